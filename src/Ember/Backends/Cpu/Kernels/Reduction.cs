using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>An associative reduction: identity, combine, and span bodies for rows and for columns.</summary>
internal interface IReduceOp
{
    T Identity<T>() where T : unmanaged, INumber<T>;
    /// <summary>Reduces a contiguous row to one value.</summary>
    T Row<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T>;
    /// <summary>acc[i] = combine(acc[i], row[i]): reduces along a dim that is not innermost.</summary>
    void Accumulate<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T>;
}

internal readonly struct SumReduce : IReduceOp
{
    public T Identity<T>() where T : unmanaged, INumber<T> => T.Zero;
    public T Row<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Sum(row);
    public void Accumulate<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Add(acc, row, acc);
}

/// <summary>
/// The reduction driver. After merging dims, the input is seen as [outer, reduced, inner]: inner == 1
/// reduces contiguous rows, otherwise whole inner rows are accumulated, so neither case copies.
/// Reduced dims that are not adjacent are first moved together by a copy.
/// </summary>
internal static unsafe class Reduction
{
    /// <summary>Reduces <paramref name="x"/> (already of the compute dtype) over <paramref name="dims"/> (normalised, sorted).</summary>
    public static Tensor Run<TOp>(Tensor x, int[] dims, bool keepDim, TOp op) where TOp : struct, IReduceOp
    {
        var outShape = ReducedShape(x.shape, dims, keepDim);
        var y = Tensor.Allocate(outShape, x.DType);
        if (y.NumElements == 0) return y;
        using var src = Arrange(x, dims, out long outer, out long reduced, out long inner);
        var k = new Kernel<TOp> { Op = op, X = src, Y = y, Outer = outer, Reduced = reduced, Inner = inner };
        Dispatch.Numeric(x.DType, ref k);
        return y;
    }

    public static int[] ReducedShape(int[] shape, int[] dims, bool keepDim)
    {
        var o = new List<int>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (Array.IndexOf(dims, i) < 0) o.Add(shape[i]);
            else if (keepDim) o.Add(1);
        }
        return o.ToArray();
    }

    /// <summary>A contiguous tensor laid out as [outer, reduced, inner] with the reduced dims adjacent.</summary>
    static Tensor Arrange(Tensor x, int[] dims, out long outer, out long reduced, out long inner)
    {
        bool adjacent = dims.Length == 0 || dims[^1] - dims[0] == dims.Length - 1;
        Tensor src;
        if (adjacent) src = x.IsContiguous ? x.Alias() : x.ContiguousCopy();
        else
        {
            // Move reduced dims to the end: [kept..., reduced...].
            var perm = Enumerable.Range(0, x.Rank).Where(d => Array.IndexOf(dims, d) < 0).Concat(dims).ToArray();
            using var p = x.PermuteRaw(perm);
            src = p.ContiguousCopy();
            dims = Enumerable.Range(x.Rank - dims.Length, dims.Length).ToArray();
        }
        outer = 1; reduced = 1; inner = 1;
        for (int d = 0; d < src.Rank; d++)
        {
            if (dims.Length > 0 && d < dims[0]) outer *= src.shape[d];
            else if (dims.Length > 0 && d <= dims[^1]) reduced *= src.shape[d];
            else inner *= src.shape[d];
        }
        if (dims.Length == 0) { outer = src.NumElements; inner = 1; reduced = 1; }
        return src;
    }

    struct Kernel<TOp> : INumericKernel where TOp : struct, IReduceOp
    {
        public TOp Op; public Tensor X, Y; public long Outer, Reduced, Inner;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            var op = Op;
            T* xp = (T*)X.DataPointer, yp = (T*)Y.DataPointer;
            long reduced = Reduced, inner = Inner;
            if (inner == 1)
            {
                Parallelism.For(Outer, reduced, (s, e) =>
                {
                    for (long o = s; o < e; o++)
                        yp[o] = reduced == 0 ? op.Identity<T>() : op.Row(new ReadOnlySpan<T>(xp + o * reduced, (int)reduced));
                });
                return;
            }
            // Columns are cut into blocks so a [huge, n] or [1, r, huge] reduction still uses every thread
            // and each block's accumulator stays in L1; a narrow one (a bias gradient: [rows, features]
            // summed over rows) is cut into one block per thread. Each column still adds its rows in order,
            // so the result does not depend on the cut.
            const long MaxBlock = 1024, MinBlock = 64;
            long threads = Threading.NumThreads;
            long block = Math.Clamp((inner + threads - 1) / threads, MinBlock, MaxBlock);
            long blocks = (inner + block - 1) / block;
            Parallelism.For(Outer * blocks, reduced * Math.Min(inner, block), (s, e) =>
            {
                for (long item = s; item < e; item++)
                {
                    long o = item / blocks, c0 = item % blocks * block;
                    int width = (int)Math.Min(block, inner - c0);
                    var acc = new Span<T>(yp + o * inner + c0, width);
                    if (reduced == 0) { acc.Fill(op.Identity<T>()); continue; }
                    new ReadOnlySpan<T>(xp + o * reduced * inner + c0, width).CopyTo(acc);
                    for (long r = 1; r < reduced; r++) op.Accumulate(acc, new ReadOnlySpan<T>(xp + (o * reduced + r) * inner + c0, width));
                }
            });
        }
    }
}
