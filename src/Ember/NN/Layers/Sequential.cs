namespace Ember.NN;

/// <summary>Runs its layers in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    readonly Module<Tensor, Tensor>[] layers;

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        this.layers = layers;
        for (int i = 0; i < layers.Length; i++) Child(i.ToString(System.Globalization.CultureInfo.InvariantCulture), layers[i]);
    }

    public IReadOnlyList<Module<Tensor, Tensor>> Layers => layers;

    /// <summary>
    /// Intermediate activations are disposed as soon as the next layer has consumed them: autograd
    /// keeps its own reference to what backward needs, so this frees memory early without changing results.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        foreach (var layer in layers)
        {
            var next = layer.Forward(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, next)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Detach() : x;
    }
}
