using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Var, Std and LogSumExp over any set of dims: numerically careful forwards with one backward node each.</summary>
public partial class Tensor
{
    /// <summary>
    /// The variance over <paramref name="dims"/> (all when null), dividing by N − <paramref name="correction"/>
    /// (1 = unbiased, PyTorch's default). Integer inputs are computed in Float32.
    /// </summary>
    public Tensor Var(int[]? dims = null, int correction = 1, bool keepDim = false) => Moment(dims, correction, keepDim, std: false);

    /// <summary>The standard deviation over <paramref name="dims"/> (all when null); see <see cref="Var"/>.</summary>
    public Tensor Std(int[]? dims = null, int correction = 1, bool keepDim = false) => Moment(dims, correction, keepDim, std: true);

    Tensor Moment(int[]? dims, int correction, bool keepDim, bool std)
    {
        string op = std ? "Std" : "Var";
        Live(op);
        var ds = Shapes.NormalizeDims(dims, Rank, op);
        long n = 1;
        foreach (var d in ds) n *= shape[d];
        using var x = DType.IsFloatingPoint() ? Alias() : To(DType.ToFloating());
        Tensor y, mean;
        using (GradMode.Disable())
        {
            // Two passes: subtracting the mean first avoids the cancellation of E[x²] − E[x]².
            using (var total = Reduction.Run(x, ds, keepDim: true, new SumReduce())) mean = total / (double)n;
            using var centered = x - mean;
            using var squares = centered * centered;
            using var sumSquares = Reduction.Run(squares, ds, keepDim, new SumReduce());
            var variance = sumSquares / (double)Math.Max(0, n - correction); // N ≤ correction gives inf or NaN, as in PyTorch
            if (std) { y = variance.Sqrt(); variance.Dispose(); }
            else y = variance;
        }
        using (mean)
            if (GradMode.ShouldRecord(this))
                GradMode.Record(y, new MomentBackward(op, new Saved(x, op), new Saved(mean, op), std ? new Saved(y, op) : null, ds, keepDim, n - correction), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ReductionOps.ExportMoment(onnx, this, y, ds, keepDim, n - correction, std);
        return y;
    }

    /// <summary>log Σ exp(x) over <paramref name="dim"/>, computed stably by shifting by the maximum.</summary>
    public Tensor LogSumExp(int dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>log Σ exp(x) over <paramref name="dims"/> (empty means all), computed stably by shifting by the maximum.</summary>
    public Tensor LogSumExp(int[] dims, bool keepDim = false)
    {
        ArgumentNullException.ThrowIfNull(dims);
        Live("LogSumExp");
        var ds = Shapes.NormalizeDims(dims, Rank, "LogSumExp");
        using var x = DType.IsFloatingPoint() ? Alias() : To(DType.ToFloating());
        Tensor y;
        using (GradMode.Disable())
        {
            using var max = Reduction.Run(x, ds, keepDim: true, new MaxReduce());
            // An infinite maximum is not subtracted (PyTorch does the same): -inf - -inf would be NaN,
            // and without the shift all -inf gives log 0 = -inf and +inf gives +inf, as they should.
            using var absMax = max.Abs();
            using var infinite = absMax.Eq(double.PositiveInfinity);
            using var shift = max.MaskedFill(infinite, 0);
            using var shifted = x - shift;
            using var exps = shifted.Exp();
            using var sum = Reduction.Run(exps, ds, keepDim, new SumReduce());
            using var log = sum.Log();
            using var shiftOut = keepDim ? shift.Alias() : shift.Reshape(Reduction.ReducedShape(shape, ds, keepDim: false));
            y = log + shiftOut;
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new LogSumExpBackward(new Saved(x, "LogSumExp"), new Saved(y, "LogSumExp"), ds, keepDim), this);
        return y;
    }

    /// <summary>Var: g · 2(x − mean)/(N − c). Std: the same with g/(2·std), and 0 where std is 0, like PyTorch.</summary>
    sealed class MomentBackward(string op, Saved x, Saved mean, Saved? std, int[] dims, bool keepDim, long dof) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var gk = KeepDims(g, xv.shape, dims, keepDim);
            using var gVar = std is null ? gk.Alias() : VarianceGradient(gk, KeepDims(std.Value, xv.shape, dims, keepDim));
            using var centered = xv - mean.Value;
            using var scaled = gVar * (2.0 / dof);
            return [scaled * centered];
        }

        static Tensor VarianceGradient(Tensor gStd, Tensor stdKept)
        {
            using (stdKept)
            {
                using var twice = stdKept * 2.0;
                using var q = gStd / twice;
                using var zero = stdKept.Eq(0);
                return q.MaskedFill(zero, 0);
            }
        }

        protected override void ReleaseSaved() { x.Release(); mean.Release(); std?.Release(); }
    }

    /// <summary>g · softmax(x) over the reduced dims, that is g · exp(x − y).</summary>
    sealed class LogSumExpBackward(Saved x, Saved y, int[] dims, bool keepDim) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var yk = KeepDims(y.Value, xv.shape, dims, keepDim);
            using var gk = KeepDims(g, xv.shape, dims, keepDim);
            using var d = xv - yk;
            using var p = d.Exp();
            return [p * gk];
        }
        protected override void ReleaseSaved() { x.Release(); y.Release(); }
    }
}
