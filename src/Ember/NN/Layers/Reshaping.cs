namespace Ember.NN;

/// <summary>Splits one dim into several sizes (one of which may be -1), PyTorch's Unflatten.</summary>
public sealed class Unflatten : Module<Tensor, Tensor>
{
    public int Dim { get; }
    public IReadOnlyList<int> Sizes { get; }

    public Unflatten(int dim, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0) throw new ArgumentException("Unflatten: the unflattened sizes must not be empty.");
        if (sizes.Count(s => s == -1) > 1 || sizes.Any(s => s < -1))
            throw new ArgumentException($"Unflatten: sizes ({string.Join(", ", sizes)}) may hold at most one -1 and no other negative value.");
        Dim = dim;
        Sizes = (int[])sizes.Clone();
    }

    public override Tensor Forward(Tensor input) => Functional.Unflatten(input, Dim, [.. Sizes]);

    public override string ExtraRepr() => $"dim={Dim}, unflattened_size={PyTuple(Sizes)}";
}
