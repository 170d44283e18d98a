namespace Ember.NN;

/// <summary>y = x·Wᵀ + b, with PyTorch's layout (weight [out, in]) and initialisation (U(±1/√in)).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
        Weight = Param("weight", Init.Uniform([outFeatures, inFeatures], -bound, bound, generator));
        if (bias) Bias = Param("bias", Init.Uniform([outFeatures], -bound, bound, generator));
        else NoParam("bias");
    }

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);
}
