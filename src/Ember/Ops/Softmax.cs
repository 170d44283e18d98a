using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Softmax and log-softmax along a dim as fused kernels (max, exp-sum and normalise in three
/// passes over each row), with fused backward kernels. Integer inputs are computed in Float32.
/// </summary>
public partial class Tensor
{
    /// <summary>exp(x) / Σ exp(x) along <paramref name="dim"/>, shifted by the maximum for stability.</summary>
    public Tensor Softmax(int dim) => SoftmaxAlong(dim, log: false);

    /// <summary>x − log Σ exp(x) along <paramref name="dim"/>: the log of Softmax, without its underflow.</summary>
    public Tensor LogSoftmax(int dim) => SoftmaxAlong(dim, log: true);

    Tensor SoftmaxAlong(int dim, bool log)
    {
        string op = log ? "LogSoftmax" : "Softmax";
        Live(op);
        int d = Shapes.NormalizeDim(dim, Rank, op);
        var dtype = DType.ToFloating();
        using var x = ContiguousInDType(dtype);
        var y = Allocate((int[])shape.Clone(), dtype);
        if (y.NumElements > 0) SoftmaxKernel.Forward(x, y, DimSplit.Of(shape, d), log);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new SoftmaxBackward(new Saved(y, op), d, log), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.SoftmaxOps.Export(onnx, this, y, d, log);
        return y;
    }

    /// <summary>Saves only the output: both gradients are functions of y and g.</summary>
    sealed class SoftmaxBackward(Saved y, int dim, bool log) : Node
    {
        public override string Name => log ? "LogSoftmaxBackward" : "SoftmaxBackward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var yv = y.Value;
            using var gc = g.ContiguousInDType(yv.DType);
            var gx = Allocate((int[])yv.shape.Clone(), yv.DType);
            if (gx.NumElements > 0) SoftmaxKernel.Backward(yv, gc, gx, DimSplit.Of(yv.shape, dim), log);
            return [gx];
        }
        protected override void ReleaseSaved() => y.Release();
    }
}
