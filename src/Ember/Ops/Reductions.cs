using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Prod, Max/Min (over everything, over dims, or along one dim with indices) and ArgMax/ArgMin,
/// with PyTorch's semantics: NaN propagates through max and min, ties go to the first index,
/// and the gradient of a max over several elements is shared evenly among the tied maxima.
/// </summary>
public partial class Tensor
{
    /// <summary>The product over <paramref name="dim"/> (all elements when null). Integer and Bool inputs multiply in Int64, like PyTorch.</summary>
    public Tensor Prod(int? dim = null, bool keepDim = false)
    {
        Live("Prod");
        int? d = dim is int dd ? Shapes.NormalizeDim(dd, Rank, "Prod") : null;
        var dims = Shapes.NormalizeDims(d is int one ? [one] : null, Rank, "Prod");
        var dtype = DType.IsFloatingPoint() ? DType : DType.Int64;
        using var x = InDType(dtype);
        var y = Reduction.Run(x, dims, keepDim, new ProdReduce());
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new ProdBackward(new Saved(this, "Prod"), d, dims, keepDim), this);
        return y;
    }

    /// <summary>The largest element, as a 0-d tensor (NaN if any element is NaN).</summary>
    public Tensor Max() => Extreme(null, keepDim: false, max: true, "Max");
    /// <summary>The smallest element, as a 0-d tensor (NaN if any element is NaN).</summary>
    public Tensor Min() => Extreme(null, keepDim: false, max: false, "Min");
    /// <summary>The maximum over <paramref name="dims"/> (all when null), like torch.amax.</summary>
    public Tensor AMax(int[]? dims = null, bool keepDim = false) => Extreme(dims, keepDim, max: true, "AMax");
    /// <summary>The minimum over <paramref name="dims"/> (all when null), like torch.amin.</summary>
    public Tensor AMin(int[]? dims = null, bool keepDim = false) => Extreme(dims, keepDim, max: false, "AMin");

    /// <summary>The maxima along <paramref name="dim"/> and their (first) indices as Int64; the values are differentiable.</summary>
    public (Tensor Values, Tensor Indices) Max(int dim, bool keepDim = false) => ExtremeAlong(dim, keepDim, max: true, "Max");
    /// <summary>The minima along <paramref name="dim"/> and their (first) indices as Int64; the values are differentiable.</summary>
    public (Tensor Values, Tensor Indices) Min(int dim, bool keepDim = false) => ExtremeAlong(dim, keepDim, max: false, "Min");

    /// <summary>Int64 indices of the maxima along <paramref name="dim"/>, or of the flattened tensor when null.</summary>
    public Tensor ArgMax(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: true, "ArgMax");
    /// <summary>Int64 indices of the minima along <paramref name="dim"/>, or of the flattened tensor when null.</summary>
    public Tensor ArgMin(int? dim = null, bool keepDim = false) => ArgExtreme(dim, keepDim, max: false, "ArgMin");

    Tensor Extreme(int[]? dims, bool keepDim, bool max, string op)
    {
        Live(op);
        var ds = Shapes.NormalizeDims(dims, Rank, op);
        foreach (var d in ds)
            if (shape[d] == 0)
                throw new ArgumentException(
                    $"{op}: cannot reduce dim {d} of size 0 (shape {Shapes.Format(shape)}): the {(max ? "maximum" : "minimum")} of no elements is undefined.");
        var y = max ? Reduction.Run(this, ds, keepDim, new MaxReduce()) : Reduction.Run(this, ds, keepDim, new MinReduce());
        if (GradMode.ShouldRecord(this))
            GradMode.Record(y, new ExtremeBackward(op, new Saved(this, op), new Saved(y, op), ds, keepDim), this);
        return y;
    }

    (Tensor Values, Tensor Indices) ExtremeAlong(int dim, bool keepDim, bool max, string op)
    {
        Live(op);
        int d = Shapes.NormalizeDim(dim, Rank, op);
        var split = CheckedSplit(d, max, op);
        var outShape = Reduction.ReducedShape(shape, [d], keepDim); // a 0-d input stays 0-d
        var values = Allocate(outShape, DType);
        var indices = Allocate((int[])outShape.Clone(), DType.Int64);
        if (values.NumElements > 0)
        {
            using var x = ContiguousInDType(DType);
            ArgReduction.Run(x, split, max, values, indices);
        }
        if (GradMode.ShouldRecord(this))
            GradMode.Record(values, new IndexedBackward(op, new Saved(indices, op), shape, d, keepDim), this);
        return (values, indices);
    }

    Tensor ArgExtreme(int? dim, bool keepDim, bool max, string op)
    {
        Live(op);
        DimSplit split;
        int[] outShape;
        if (dim is int dd)
        {
            int d = Shapes.NormalizeDim(dd, Rank, op);
            split = CheckedSplit(d, max, op);
            outShape = Reduction.ReducedShape(shape, [d], keepDim);
        }
        else
        {
            if (NumElements == 0)
                throw new ArgumentException($"{op}: the tensor of shape {Shapes.Format(shape)} is empty, so it has no {(max ? "maximum" : "minimum")}; pass a dim of non-zero size to reduce over.");
            split = DimSplit.Flat(NumElements);
            outShape = keepDim ? Enumerable.Repeat(1, Rank).ToArray() : [];
        }
        var indices = Allocate(outShape, DType.Int64);
        if (indices.NumElements > 0)
        {
            using var x = ContiguousInDType(DType);
            using var values = Allocate((int[])outShape.Clone(), DType);
            ArgReduction.Run(x, split, max, values, indices);
        }
        return indices;
    }

    /// <summary>The [outer, size, inner] view around dim, refusing a dim of size 0 (it has no extreme).</summary>
    DimSplit CheckedSplit(int d, bool max, string op)
    {
        if (Rank > 0 && shape[d] == 0)
            throw new ArgumentException($"{op}: dim {d} has size 0 (shape {Shapes.Format(shape)}), so there is nothing to take the {(max ? "maximum" : "minimum")} of.");
        return DimSplit.Of(shape, d);
    }

    /// <summary>The gradient of a reduced result, reshaped to keep the reduced dims as size 1 so it broadcasts over the input.</summary>
    static Tensor KeepDims(Tensor g, int[] inputShape, int[] dims, bool keepDim)
        => keepDim ? g.Alias() : g.Reshape(Reduction.ReducedShape(inputShape, dims, keepDim: true));

    /// <summary>∂/∂xᵢ of a product is the product of the others, computed directly so zeros need no special case.</summary>
    sealed class ProdBackward(Saved x, int? dim, int[] dims, bool keepDim) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var xc = xv.ContiguousInDType(xv.DType);
            using var others = Allocate((int[])xv.shape.Clone(), xv.DType);
            if (others.NumElements > 0)
                Scan.ProductOfOthers(xc, others, dim is int d ? DimSplit.Of(xv.shape, d) : DimSplit.Flat(xv.NumElements));
            using var gk = KeepDims(g, xv.shape, dims, keepDim);
            return [gk * others];
        }
        protected override void ReleaseSaved() => x.Release();
    }

    /// <summary>
    /// Max/min over dims: the gradient is shared evenly among the elements equal to the result
    /// (PyTorch's evenly_distribute_backward); where the result is NaN, the NaN elements share it.
    /// </summary>
    sealed class ExtremeBackward(string op, Saved x, Saved y, int[] dims, bool keepDim) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var yk = KeepDims(y.Value, xv.shape, dims, keepDim);
            using var gk = KeepDims(g, xv.shape, dims, keepDim);
            using var equal = xv.Eq(yk);
            using var xNaN = xv.Ne(xv);
            using var yNaN = yk.Ne(yk);
            using var bothNaN = xNaN.LogicalAnd(yNaN);
            using var hit = equal.LogicalOr(bothNaN);
            using var mask = hit.To(g.DType);
            using var count = mask.Sum(dims, keepDim: true);
            using var share = gk / count;
            return [mask * share];
        }
        protected override void ReleaseSaved() { x.Release(); y.Release(); }
    }

    /// <summary>Max/min along a dim: the whole gradient goes to the selected index, like PyTorch.</summary>
    sealed class IndexedBackward(string op, Saved indices, int[] inputShape, int dim, bool keepDim) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            int[] dims = [dim];
            using var ik = KeepDims(indices.Value, inputShape, dims, keepDim);
            using var gk = KeepDims(g, inputShape, dims, keepDim);
            // Positions along dim, shaped to broadcast against the kept-dim indices.
            var along = new int[inputShape.Length];
            Array.Fill(along, 1);
            int n = inputShape.Length == 0 ? 1 : inputShape[dim];
            if (inputShape.Length > 0) along[dim] = n;
            using var range = Arange(n);
            using var positions = range.Reshape(along);
            using var hit = positions.Eq(ik);
            using var zero = Full([], 0, g.DType);
            return [Where(hit, gk, zero)];
        }
        protected override void ReleaseSaved() => indices.Release();
    }
}
