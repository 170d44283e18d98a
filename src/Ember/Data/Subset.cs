namespace Ember.Data;

/// <summary>The samples of a source dataset at the given indices, in that order (torch's Subset).</summary>
public sealed class Subset<T> : Dataset<T>
{
    readonly int[] indices;

    public Subset(Dataset<T> source, int[] indices)
    {
        Source = source ?? throw new ArgumentNullException(nameof(source));
        ArgumentNullException.ThrowIfNull(indices);
        foreach (int i in indices)
            if ((uint)i >= (uint)source.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"Subset: index {i} is out of range for a dataset of {source.Count} samples.");
        this.indices = (int[])indices.Clone();
    }

    public Dataset<T> Source { get; }

    /// <summary>The source indices, in order.</summary>
    public IReadOnlyList<int> Indices => indices;

    public override int Count => indices.Length;

    public override T Get(int index) { CheckIndex(index); return Source.Get(indices[index]); }

    public override T Get(int index, Generator generator) { CheckIndex(index); return Source.Get(indices[index], generator); }
}
