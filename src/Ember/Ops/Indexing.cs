using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Gather, Scatter, ScatterAdd, IndexSelect and OneHot: ops that move elements along one dim by an
/// Int64 index tensor. Indices must lie in [0, size) of that dim, as on PyTorch's CPU backend.
/// </summary>
public partial class Tensor
{
    /// <summary>out[..., j, ...] = this[..., index[..., j, ...], ...] along dim; the result has index's shape.</summary>
    public Tensor Gather(int dim, Tensor index)
    {
        Live("Gather"); index.Live("Gather");
        RequireInt64Index(index, "Gather");
        int d = Shapes.NormalizeDim(dim, Rank, "Gather");
        if (Math.Max(index.Rank, 1) != Math.Max(Rank, 1))
            throw new ArgumentException($"Gather: the index of shape {Shapes.Format(index.shape)} must have as many dims as the input of shape {Shapes.Format(shape)}.");
        using var self1 = AtLeast1d();
        using var idx1 = index.AtLeast1d();
        for (int k = 0; k < self1.Rank; k++)
            if (k != d && idx1.shape[k] > self1.shape[k])
                throw new ArgumentException($"Gather: the index of shape {Shapes.Format(index.shape)} is larger than the input of shape {Shapes.Format(shape)} in dim {k}; it may be larger only in dim {d}.");
        using var idx = ContiguousIndex(idx1);
        CheckIndexBounds(idx, self1.shape[d], "Gather", dim);

        var y = Allocate((int[])index.shape.Clone(), DType);
        using (var y1 = y.AtLeast1d())
        {
            var k = new GatherKernel { Src = self1, Index = idx, Dst = y1, Dim = d };
            Dispatch.Numeric(DType, ref k);
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GatherBackward(new Saved(idx, "Gather"), d, shape), this);
        return y;
    }

    /// <summary>A copy of this tensor with out[..., index[..., j, ...], ...] = src[..., j, ...] along dim (out of place).</summary>
    public Tensor Scatter(int dim, Tensor index, Tensor src) => ScatterOp(dim, index, src, accumulate: false, "Scatter");

    /// <summary>A copy of this tensor with src added at the positions index names along dim; repeated indices add up.</summary>
    public Tensor ScatterAdd(int dim, Tensor index, Tensor src) => ScatterOp(dim, index, src, accumulate: true, "ScatterAdd");

    Tensor ScatterOp(int dim, Tensor index, Tensor src, bool accumulate, string op)
    {
        Live(op); index.Live(op); src.Live(op);
        RequireInt64Index(index, op);
        if (src.DType != DType)
            throw new ArgumentException($"{op}: the source has dtype {src.DType} but the tensor has dtype {DType}; convert the source with To(DType.{DType}).");
        int d = Shapes.NormalizeDim(dim, Rank, op);
        int rank = Math.Max(Rank, 1);
        if (Math.Max(index.Rank, 1) != rank || Math.Max(src.Rank, 1) != rank)
            throw new ArgumentException($"{op}: the tensor {Shapes.Format(shape)}, index {Shapes.Format(index.shape)} and source {Shapes.Format(src.shape)} must all have the same number of dims.");
        using var self1 = AtLeast1d();
        using var idx1 = index.AtLeast1d();
        using var src1 = src.AtLeast1d();
        for (int k = 0; k < rank; k++)
            if ((k != d && idx1.shape[k] > self1.shape[k]) || idx1.shape[k] > src1.shape[k])
                throw new ArgumentException(
                    $"{op}: the index of shape {Shapes.Format(index.shape)} must be no larger than the source {Shapes.Format(src.shape)} in every dim, and no larger than the tensor {Shapes.Format(shape)} apart from dim {d}; dim {k} differs.");
        using var idx = ContiguousIndex(idx1);
        CheckIndexBounds(idx, self1.shape[d], op, dim);

        var y = ContiguousCopy();
        using (var y1 = y.AtLeast1d()) ScatterRaw(y1, d, idx, src1, accumulate);
        if (GradMode.ShouldRecord(this, src))
            GradMode.Record(y, new ScatterBackward(new Saved(idx, op), d, src.shape, accumulate, op), this, src);
        return y;
    }

    /// <summary>The slices of this tensor at the given positions along dim (index: 1-d or 0-d, Int64 or Int32).</summary>
    public Tensor IndexSelect(int dim, Tensor index)
    {
        Live("IndexSelect"); index.Live("IndexSelect");
        if (index.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"IndexSelect: the index must be an Int64 or Int32 tensor, got {index.DType}.");
        if (index.Rank > 1)
            throw new ArgumentException($"IndexSelect: the index must be a 1-d (or 0-d) tensor, got shape {Shapes.Format(index.shape)}.");
        int d = Shapes.NormalizeDim(dim, Rank, "IndexSelect");
        if (Rank == 0 && index.NumElements != 1)
            throw new ArgumentException($"IndexSelect: a 0-d tensor can be indexed by exactly one value, got {index.NumElements}.");
        using var idx = ContiguousIndex(index);
        using var self1 = AtLeast1d();
        CheckIndexBounds(idx, self1.shape[d], "IndexSelect", dim);

        var outShape = (int[])shape.Clone();
        if (Rank > 0) outShape[d] = (int)idx.NumElements;
        var y = Allocate(outShape, DType);
        using (var y1 = y.AtLeast1d())
        using (var expanded = ExpandIndexAlong(idx, y1.shape, d))
        {
            var k = new GatherKernel { Src = self1, Index = expanded, Dst = y1, Dim = d };
            Dispatch.Numeric(DType, ref k);
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new IndexSelectBackward(new Saved(idx, "IndexSelect"), d, shape), this);
        return y;
    }

    /// <summary>
    /// One-hot encodes an Int64 tensor of class indices: the result has a new last dim of
    /// <paramref name="numClasses"/> (max + 1 when -1) and is Int64, like torch.nn.functional.one_hot.
    /// </summary>
    public Tensor OneHot(int numClasses = -1)
    {
        Live("OneHot");
        if (DType != DType.Int64)
            throw new ArgumentException($"OneHot: expected an Int64 tensor of class indices, got {DType}.");
        if (numClasses < -1 || (numClasses == 0 && NumElements > 0))
            throw new ArgumentException($"OneHot: numClasses must be positive (or -1 to infer it), got {numClasses}.");
        var outShape = shape.Append(0).ToArray();
        if (NumElements == 0)
        {
            if (numClasses <= 0)
                throw new ArgumentException($"OneHot: cannot infer the number of classes from an empty tensor of shape {Shapes.Format(shape)}; pass numClasses.");
            outShape[^1] = numClasses;
            return Zeros(outShape, DType.Int64);
        }
        using var c = ContiguousIndex(this);
        var values = c.Span<long>();
        long min = long.MaxValue, max = long.MinValue;
        foreach (var v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
        if (min < 0) throw new ArgumentException($"OneHot: class values must be non-negative, found {min}.");
        if (numClasses == -1)
        {
            if (max >= int.MaxValue) throw new ArgumentException($"OneHot: the largest class value {max} is too large to infer the number of classes.");
            numClasses = (int)max + 1;
        }
        else if (max >= numClasses)
            throw new ArgumentException($"OneHot: class value {max} is not smaller than numClasses ({numClasses}).");
        outShape[^1] = numClasses;
        var y = Zeros(outShape, DType.Int64);
        unsafe
        {
            long* src = (long*)c.DataPointer, dst = (long*)y.DataPointer;
            long classes = numClasses;
            Parallelism.For(c.NumElements, 1, (s, e) =>
            {
                for (long i = s; i < e; i++) dst[i * classes + src[i]] = 1;
            });
        }
        return y;
    }

    // ---- shared helpers ----

    static void RequireInt64Index(Tensor index, string op)
    {
        if (index.DType != DType.Int64)
            throw new ArgumentException($"{op}: the index must be an Int64 tensor, got {index.DType}; convert it with To(DType.Int64).");
    }

    /// <summary>A 1-d view of a 0-d tensor (PyTorch treats them alike in these ops); otherwise a plain alias.</summary>
    internal Tensor AtLeast1d() => Rank > 0 ? Alias() : new Tensor(Live("AtLeast1d").storage, DType, [1], [1], offset);

    /// <summary>The index as a contiguous Int64 tensor without autograd history.</summary>
    static Tensor ContiguousIndex(Tensor index)
    {
        using (GradMode.Disable())
        {
            if (index.DType != DType.Int64) return index.To(DType.Int64); // a fresh, contiguous copy
            return index.IsContiguous ? index.Alias() : index.ContiguousCopy();
        }
    }

    static void CheckIndexBounds(Tensor index, long size, string op, int dim)
    {
        foreach (var v in index.Span<long>())
            if (v < 0 || v >= size)
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {v} is out of bounds for dim {dim} with size {size}.");
    }

    /// <summary>A 1-d index viewed as <paramref name="shape"/>: it varies along dim and repeats (stride 0) elsewhere.</summary>
    static Tensor ExpandIndexAlong(Tensor index1d, int[] shape, int dim)
    {
        var strides = new long[shape.Length];
        strides[dim] = index1d.Rank == 0 ? 0 : index1d.strides[0];
        return new Tensor(index1d.storage, DType.Int64, shape, strides, index1d.offset);
    }

    /// <summary>
    /// dst[..., index[..., j, ...], ...] = (or +=) src[..., j, ...] along dim, in place, over index's shape.
    /// Indices must already be checked; src and dst share dst's dtype.
    /// </summary>
    internal static void ScatterRaw(Tensor dst, int dim, Tensor index, Tensor src, bool accumulate)
    {
        if (index.NumElements == 0) return;
        var k = new ScatterKernel { Dst = dst, Index = index, Src = src, Dim = dim, Accumulate = accumulate, IsBool = dst.DType == DType.Bool };
        Dispatch.Numeric(dst.DType, ref k);
    }

    /// <summary>A zero tensor of <paramref name="shape"/> with g in its leading corner (g is no larger in any dim).</summary>
    static Tensor EmbedInZeros(Tensor g, int[] shape)
    {
        if (Shapes.SameShape(g.shape, shape)) return g;
        var z = Full(shape, 0, g.DType);
        var region = z.Alias();
        for (int k = 0; k < g.Rank; k++)
        {
            var next = region.SliceRaw(k, 0, g.shape[k]);
            region.Dispose();
            region = next;
        }
        StridedCopy.Copy(g, region);
        region.Dispose();
        g.Dispose();
        return z;
    }

    /// <summary>Body for each run of lines along a dim: operand offsets of the first line, the run's length and strides.</summary>
    delegate void LineRun(ReadOnlySpan<long> offsets, int count, ReadOnlySpan<long> step);

    /// <summary>
    /// Visits every line along <paramref name="dim"/> of <paramref name="shape"/> (one line per position of the
    /// other dims), in parallel chunks of lines. Lines come in runs that share a stride, so the body loops over
    /// a run; a chunk may start or end inside a run, which keeps all threads busy when the other dims merge into one.
    /// </summary>
    static void ForEachLine(int[] shape, int dim, long[][] strides, LineRun body)
    {
        if (Shapes.Count(shape) == 0) return;
        var outer = shape.Where((_, i) => i != dim).ToArray();
        var outerStrides = strides.Select(s => s.Where((_, i) => i != dim).ToArray()).ToArray();
        var plan = new RowPlan(outer, outerStrides);
        int operands = strides.Length, runLength = plan.RowLength;
        Parallelism.For(plan.Rows * runLength, shape[dim], (start, end) =>
        {
            Span<long> off = stackalloc long[operands];
            Span<long> first = stackalloc long[operands];
            Span<int> idx = stackalloc int[Math.Max(plan.OuterShape.Length, 1)];
            long row = start / runLength;
            int skip = (int)(start % runLength);
            plan.RowOffsets(row, off);
            plan.IndexOfRow(row, idx);
            for (long line = start; line < end; skip = 0)
            {
                int count = (int)Math.Min(runLength - skip, end - line);
                for (int k = 0; k < operands; k++) first[k] = off[k] + skip * plan.RowStrides[k];
                body(first, count, plan.RowStrides);
                line += count;
                plan.NextRow(idx, off);
            }
        });
    }

    unsafe struct GatherKernel : INumericKernel
    {
        public Tensor Src, Index, Dst; public int Dim;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* src = (T*)Src.DataPointer, dst = (T*)Dst.DataPointer;
            long* idx = (long*)Index.DataPointer;
            int n = Index.shape[Dim];
            long sd = Src.strides[Dim], id = Index.strides[Dim], od = Dst.strides[Dim];
            ForEachLine(Index.shape, Dim, [Dst.strides, Index.strides, Src.strides], (off, count, step) =>
            {
                for (int i = 0; i < count; i++)
                {
                    T* o = dst + off[0] + i * step[0], s = src + off[2] + i * step[2];
                    long* x = idx + off[1] + i * step[1];
                    for (int j = 0; j < n; j++) o[j * od] = s[x[j * id] * sd];
                }
            });
        }
    }

    // Lines along dim map to disjoint lines of dst, so threads never write the same element.
    unsafe struct ScatterKernel : INumericKernel
    {
        public Tensor Dst, Index, Src; public int Dim; public bool Accumulate, IsBool;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* src = (T*)Src.DataPointer, dst = (T*)Dst.DataPointer;
            long* idx = (long*)Index.DataPointer;
            int n = Index.shape[Dim];
            long sd = Src.strides[Dim], id = Index.strides[Dim], od = Dst.strides[Dim];
            bool add = Accumulate, logicalOr = Accumulate && IsBool; // Bool addition is "or", and must not wrap at 256
            ForEachLine(Index.shape, Dim, [Dst.strides, Index.strides, Src.strides], (off, count, step) =>
            {
                for (int i = 0; i < count; i++)
                {
                    T* o = dst + off[0] + i * step[0], s = src + off[2] + i * step[2];
                    long* x = idx + off[1] + i * step[1];
                    if (logicalOr) for (int j = 0; j < n; j++) { T* t = o + x[j * id] * od; *t = *t != T.Zero || s[j * sd] != T.Zero ? T.One : T.Zero; }
                    else if (add) for (int j = 0; j < n; j++) o[x[j * id] * od] += s[j * sd];
                    else for (int j = 0; j < n; j++) o[x[j * id] * od] = s[j * sd];
                }
            });
        }
    }

    sealed class GatherBackward(Saved index, int dim, int[] inputShape) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var z = Full(inputShape, 0, g.DType);
            using var z1 = z.AtLeast1d();
            using var g1 = g.AtLeast1d();
            using var idx1 = index.Value.AtLeast1d();
            ScatterRaw(z1, dim, idx1, g1, accumulate: true);
            return [z];
        }
        protected override void ReleaseSaved() => index.Release();
    }

    sealed class ScatterBackward(Saved index, int dim, int[] srcShape, bool accumulate, string op) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var idx = index.Value;
            Tensor? gSelf = null, gSrc = null;
            if (NeedsInputGrad(0))
            {
                if (accumulate) gSelf = g;
                else
                {
                    // Overwritten positions got their value from src, so self gets no gradient there.
                    using var zeros = Full(idx.shape, 0, g.DType);
                    gSelf = g.Scatter(dim, idx, zeros);
                }
            }
            if (NeedsInputGrad(1)) gSrc = EmbedInZeros(g.Gather(dim, idx), srcShape);
            return [gSelf, gSrc];
        }
        protected override void ReleaseSaved() => index.Release();
    }

    sealed class IndexSelectBackward(Saved index, int dim, int[] inputShape) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            // index_add: slices picked more than once receive the sum of their gradients.
            var z = Full(inputShape, 0, g.DType);
            using var z1 = z.AtLeast1d();
            using var g1 = g.AtLeast1d();
            using var idx = ExpandIndexAlong(index.Value, g1.shape, dim);
            ScatterRaw(z1, dim, idx, g1, accumulate: true);
            return [z];
        }
        protected override void ReleaseSaved() => index.Release();
    }
}
