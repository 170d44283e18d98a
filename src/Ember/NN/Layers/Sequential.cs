using System.Globalization;

namespace Ember.NN;

/// <summary>Runs its layers in order; they are named "0", "1", ... as in PyTorch.</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    readonly List<Module<Tensor, Tensor>> layers = [];

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var layer in layers) Append(layer);
    }

    public IReadOnlyList<Module<Tensor, Tensor>> Layers => layers;

    public int Count => layers.Count;

    public Module<Tensor, Tensor> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)layers.Count)
                throw new ArgumentOutOfRangeException(nameof(index), $"Sequential: index {index} is out of range for {layers.Count} layers.");
            return layers[index];
        }
    }

    public Module<Tensor, Tensor> this[Index index] => this[index.GetOffset(layers.Count)];

    /// <summary>A new Sequential over the same layer objects (shared, not copied), like slicing in PyTorch.</summary>
    public Sequential this[Range range]
    {
        get
        {
            var (start, length) = range.GetOffsetAndLength(layers.Count);
            return new Sequential(layers.GetRange(start, length).ToArray());
        }
    }

    /// <summary>Adds a layer at the end under the next number and returns this Sequential.</summary>
    public Sequential Append(Module<Tensor, Tensor> layer)
    {
        Child(layers.Count.ToString(CultureInfo.InvariantCulture), layer);
        layers.Add(layer);
        return this;
    }

    /// <summary>
    /// Intermediate activations are disposed as soon as the next layer has consumed them: autograd
    /// keeps its own reference to what backward needs, so this frees memory early without changing results.
    /// A Linear or Conv2d directly followed by ReLU runs as one op, the ReLU applied in its GEMM's epilogue.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        Tensor x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            Tensor next;
            if (layers[i] is IFusesRelu fusable && i + 1 < layers.Count && layers[i + 1] is ReLU)
            {
                next = fusable.ForwardRelu(x);
                i++;
            }
            else next = layers[i].Call(x);
            if (!ReferenceEquals(x, input) && !ReferenceEquals(x, next)) x.Dispose();
            x = next;
        }
        return ReferenceEquals(x, input) ? input.Detach() : x;
    }
}
