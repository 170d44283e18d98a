using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Sort and TopK along one dim. Sorting is stable (equal values keep their order, in both directions)
/// and NaN counts as larger than every number, as in PyTorch. The values carry gradients, which
/// flow back to the positions the indices name.
/// </summary>
public partial class Tensor
{
    /// <summary>The elements sorted along dim, and for each the position it came from (Int64).</summary>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false)
    {
        Live("Sort");
        int d = Shapes.NormalizeDim(dim, Rank, "Sort");
        int n = Rank == 0 ? 1 : shape[d];
        return SortedPrefix(d, n, descending, "Sort");
    }

    /// <summary>
    /// The <paramref name="k"/> largest (or smallest) elements along dim and their positions. With
    /// sorted they come in order (largest first when largest); ties keep the lower index first.
    /// </summary>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        Live("TopK");
        int d = Shapes.NormalizeDim(dim, Rank, "TopK");
        int n = Rank == 0 ? 1 : shape[d];
        if (k < 0 || k > n)
            throw new ArgumentOutOfRangeException(nameof(k), $"TopK: k = {k} is out of range for dim {dim} of size {n} (shape {Shapes.Format(shape)}); expected 0..{n}.");
        // A full order is also a valid answer for sorted: false, whose order PyTorch leaves unspecified.
        return SortedPrefix(d, k, descending: largest, "TopK");
    }

    /// <summary>The first <paramref name="k"/> elements of each line along d after a stable sort.</summary>
    (Tensor Values, Tensor Indices) SortedPrefix(int d, int k, bool descending, string op)
    {
        var outShape = (int[])shape.Clone();
        if (Rank > 0) outShape[d] = k;
        var values = Allocate(outShape, DType);
        var indices = Allocate((int[])outShape.Clone(), DType.Int64);
        using (var src = AtLeast1d())
        using (var v1 = values.AtLeast1d())
        using (var i1 = indices.AtLeast1d())
        {
            var kernel = new SortKernel { Src = src, Values = v1, Indices = i1, Dim = d, K = k, Descending = descending };
            Dispatch.Numeric(DType, ref kernel);
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(values, new SortBackward(new Saved(indices, op), d, shape, op), this);
        return (values, indices);
    }

    struct SortEntry<T> where T : unmanaged
    {
        public T Value;
        public long Index;
    }

    /// <summary>Ascending order with NaN last; equal values (and NaNs) ordered by index, which makes the sort stable.</summary>
    readonly struct Ascending<T> : IComparer<SortEntry<T>> where T : unmanaged, INumber<T>
    {
        public int Compare(SortEntry<T> a, SortEntry<T> b)
        {
            int c = CompareValues(a.Value, b.Value);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        }
    }

    /// <summary>Descending order with NaN first; equal values still ordered by increasing index.</summary>
    readonly struct Descending<T> : IComparer<SortEntry<T>> where T : unmanaged, INumber<T>
    {
        public int Compare(SortEntry<T> a, SortEntry<T> b)
        {
            int c = CompareValues(b.Value, a.Value);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        }
    }

    /// <summary>A total order on numbers in which NaN is the largest value and equals itself.</summary>
    static int CompareValues<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        bool an = T.IsNaN(a), bn = T.IsNaN(b);
        if (an || bn) return an == bn ? 0 : an ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }

    unsafe struct SortKernel : INumericKernel
    {
        public Tensor Src, Values, Indices; public int Dim, K; public bool Descending;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* src = (T*)Src.DataPointer, vals = (T*)Values.DataPointer;
            long* idx = (long*)Indices.DataPointer;
            int n = Src.shape[Dim], k = K;
            long sd = Src.strides[Dim], vd = Values.strides[Dim], id = Indices.strides[Dim];
            bool descending = Descending;
            if (k == 0) return;
            ForEachLine(Src.shape, Dim, [Src.strides, Values.strides, Indices.strides], (off, count, step) =>
            {
                var line = new SortEntry<T>[n];
                for (int i = 0; i < count; i++)
                {
                    T* s = src + off[0] + i * step[0], v = vals + off[1] + i * step[1];
                    long* x = idx + off[2] + i * step[2];
                    for (int j = 0; j < n; j++) line[j] = new SortEntry<T> { Value = s[j * sd], Index = j };
                    if (descending) line.AsSpan().Sort(new Descending<T>());
                    else line.AsSpan().Sort(new Ascending<T>());
                    for (int j = 0; j < k; j++) { v[j * vd] = line[j].Value; x[j * id] = line[j].Index; }
                }
            });
        }
    }

    sealed class SortBackward(Saved indices, int dim, int[] inputShape, string op) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            // Indices are distinct within a line, so adding into zeros places each gradient once.
            var z = Full(inputShape, 0, g.DType);
            using var z1 = z.AtLeast1d();
            using var g1 = g.AtLeast1d();
            using var i1 = indices.Value.AtLeast1d();
            ScatterRaw(z1, dim, i1, g1, accumulate: true);
            return [z];
        }
        protected override void ReleaseSaved() => indices.Release();
    }
}
