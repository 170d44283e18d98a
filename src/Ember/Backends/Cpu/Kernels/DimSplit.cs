namespace Ember.Backends.Cpu;

/// <summary>
/// A contiguous tensor seen around one dim as [Outer, Size, Inner]: the layout every kernel that
/// works along a single dim (arg-reductions, scans, softmax) walks. Element (o, r, j) sits at
/// (o * Size + r) * Inner + j. A 0-d tensor is one element: [1, 1, 1].
/// </summary>
internal readonly record struct DimSplit(long Outer, int Size, long Inner)
{
    public static DimSplit Of(int[] shape, int dim)
    {
        if (shape.Length == 0) return new(1, 1, 1);
        long outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape[i];
        for (int i = dim + 1; i < shape.Length; i++) inner *= shape[i];
        return new(outer, shape[dim], inner);
    }

    /// <summary>All elements of a contiguous tensor as one run (a flattened reduction).</summary>
    public static DimSplit Flat(long count) => new(1, checked((int)count), 1);
}
