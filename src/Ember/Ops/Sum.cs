using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Sum and Mean over one, several or all dims, and SumToShape (the un-broadcasting step of backward).</summary>
public partial class Tensor
{
    public Tensor Sum(int? dim = null, bool keepDim = false) => Sum(dim is int d ? [d] : null, keepDim);

    /// <summary>Sums over <paramref name="dims"/> (all dims when null). Integer and Bool inputs sum to Int64, like PyTorch.</summary>
    public Tensor Sum(int[]? dims, bool keepDim = false)
    {
        Live("Sum");
        var ds = Shapes.NormalizeDims(dims, Rank, "Sum");
        var dtype = DType.IsFloatingPoint() ? DType : DType.Int64;
        using var x = InDType(dtype);
        var y = Reduction.Run(x, ds, keepDim, new SumReduce());
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new SumBackward(shape, ds, keepDim), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ReductionOps.ExportSum(onnx, this, y, ds, keepDim);
        return y;
    }

    public Tensor Mean(int? dim = null, bool keepDim = false) => Mean(dim is int d ? [d] : null, keepDim);

    /// <summary>The mean over <paramref name="dims"/> (all dims when null), in a floating-point dtype.</summary>
    public Tensor Mean(int[]? dims, bool keepDim = false)
    {
        Live("Mean");
        var ds = Shapes.NormalizeDims(dims, Rank, "Mean");
        long count = 1;
        foreach (var d in ds) count *= shape[d];
        using var x = To(DType.ToFloating()); // a recorded identity for floats, so the graph stays connected
        using var s = x.Sum(ds, keepDim);
        return s / (double)count; // count 0 gives NaN, as in PyTorch
    }

    /// <summary>Sums broadcast dims away so the result has <paramref name="target"/>'s shape (the reverse of broadcasting).</summary>
    internal Tensor SumToShape(int[] target)
    {
        if (Shapes.SameShape(shape, target)) return Alias();
        int lead = Rank - target.Length;
        var dims = new List<int>();
        for (int i = 0; i < Rank; i++)
            if (i < lead || (target[i - lead] == 1 && shape[i] != 1)) dims.Add(i);
        using var s = Sum(dims.ToArray(), keepDim: true);
        return s.Reshape(target);
    }

    sealed class SumBackward(int[] inputShape, int[] dims, bool keepDim) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            using var kept = keepDim ? g.Alias() : g.Reshape(Reduction.ReducedShape(inputShape, dims, keepDim: true));
            using var expanded = kept.Expand(inputShape);
            return [expanded.Contiguous()];
        }
    }

    /// <summary>Permute without autograd, for kernels that rearrange data internally.</summary>
    internal Tensor PermuteRaw(int[] perm)
        => new(storage, DType, perm.Select(p => shape[p]).ToArray(), perm.Select(p => strides[p]).ToArray(), offset);
}
