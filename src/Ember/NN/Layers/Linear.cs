namespace Ember.NN;

/// <summary>y = x·Wᵀ + b, with PyTorch's layout (weight [out, in]) and initialisation (U(±1/√in)).</summary>
public sealed class Linear : Module<Tensor, Tensor>, IFusesRelu
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (inFeatures < 0 || outFeatures < 0)
            throw new ArgumentException($"Linear: inFeatures ({inFeatures}) and outFeatures ({outFeatures}) must be non-negative.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        // kaiming_uniform(a = √5) on [out, in] is U(±1/√in); the bias uses the same bound.
        double bound = inFeatures > 0 ? 1 / Math.Sqrt(inFeatures) : 0;
        Weight = Param("weight", Init.Uniform([outFeatures, inFeatures], -bound, bound, generator));
        if (bias) Bias = Param("bias", Init.Uniform([outFeatures], -bound, bound, generator));
        else NoParam("bias");
    }

    public override Tensor Forward(Tensor input) => Functional.Linear(input, Weight, Bias);

    Tensor IFusesRelu.ForwardRelu(Tensor input) => Tensor.Linear(input, Weight, Bias, Backends.Cpu.GemmActivation.Relu);

    public override string ExtraRepr() => $"in_features={InFeatures}, out_features={OutFeatures}, bias={PyBool(Bias is not null)}";
}

/// <summary>Passes its input through (a new handle on the same data, gradients included): a placeholder layer.</summary>
public sealed class Identity : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Reshape(input.Shape);
}

/// <summary>
/// y = x₁ᵀ·A·x₂ + b per output feature: weight [out, in1, in2], bias [out], both initialised
/// U(±1/√in1) as in PyTorch. Inputs are [*, in1] and [*, in2] with the same leading dims.
/// </summary>
public sealed class Bilinear : Module<(Tensor Input1, Tensor Input2), Tensor>
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int In1Features { get; }
    public int In2Features { get; }
    public int OutFeatures { get; }

    public Bilinear(int in1Features, int in2Features, int outFeatures, bool bias = true, Generator? generator = null)
    {
        if (in1Features < 0 || in2Features < 0 || outFeatures < 0)
            throw new ArgumentException($"Bilinear: in1Features ({in1Features}), in2Features ({in2Features}) and outFeatures ({outFeatures}) must be non-negative.");
        (In1Features, In2Features, OutFeatures) = (in1Features, in2Features, outFeatures);
        double bound = in1Features > 0 ? 1 / Math.Sqrt(in1Features) : 0;
        Weight = Param("weight", Init.Uniform([outFeatures, in1Features, in2Features], -bound, bound, generator));
        if (bias) Bias = Param("bias", Init.Uniform([outFeatures], -bound, bound, generator));
        else NoParam("bias");
    }

    public override Tensor Forward((Tensor Input1, Tensor Input2) input) => Forward(input.Input1, input.Input2);

    public Tensor Forward(Tensor input1, Tensor input2) => Functional.Bilinear(input1, input2, Weight, Bias);

    public override string ExtraRepr()
        => $"in1_features={In1Features}, in2_features={In2Features}, out_features={OutFeatures}, bias={PyBool(Bias is not null)}";
}
