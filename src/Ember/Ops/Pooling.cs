using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Max, average and adaptive pooling over the last two dims of [N, C, H, W] (or unbatched
/// [C, H, W]) with PyTorch's semantics, and 1-d max and average pooling as 2-d pooling over a height of 1.
/// Sizes are given as one value (both dims) or two (height, width).
/// </summary>
public partial class Tensor
{
    /// <summary>The maximum of each window; stride defaults to the kernel size. Gradients go to the (first) maximum.</summary>
    public Tensor MaxPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
        => MaxPoolCore("MaxPool2d", kernelSize, stride, padding, dilation, ceilMode, wantIndices: false).Values;

    /// <summary>MaxPool2d that also returns each maximum's flat index h·W + w within its plane (Int64).</summary>
    public (Tensor Values, Tensor Indices) MaxPool2dWithIndices(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        var (values, indices) = MaxPoolCore("MaxPool2d", kernelSize, stride, padding, dilation, ceilMode, wantIndices: true);
        return (values, indices!);
    }

    /// <summary>1-d max pooling over the last dim of [N, C, L] (or [C, L]).</summary>
    public Tensor MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    {
        Live("MaxPool1d");
        if (Rank is not (2 or 3))
            throw new ArgumentException($"MaxPool1d: expected a [N, C, L] or [C, L] input, got shape {Shapes.Format(shape)}.");
        using var x = Unsqueeze(-2);
        var (y, _) = x.MaxPoolCore("MaxPool1d", [1, kernelSize], [1, stride ?? kernelSize], [0, padding], [1, dilation], ceilMode, wantIndices: false);
        using (y) return y.Squeeze(-2);
    }

    /// <summary>The mean of each window; with countIncludePad the padded zeros count in the divisor.</summary>
    public Tensor AvgPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true)
        => AvgPoolCore("AvgPool2d", kernelSize, stride, padding, ceilMode, countIncludePad);

    /// <summary>1-d average pooling over the last dim of [N, C, L] (or [C, L]); stride defaults to the kernel size.</summary>
    public Tensor AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    {
        Live("AvgPool1d");
        if (Rank is not (2 or 3))
            throw new ArgumentException($"AvgPool1d: expected a [N, C, L] or [C, L] input, got shape {Shapes.Format(shape)}.");
        if (kernelSize > 0 && stride is not <= 0 && padding >= 0 && PoolWindow.OutputSize(shape[^1], kernelSize, stride ?? kernelSize, padding, 1, ceilMode) < 1)
            throw new ArgumentException(
                $"AvgPool1d: an input of shape {Shapes.Format(shape)} is too small for kernel {kernelSize} and padding {padding}: the output would be empty.");
        // Contiguous first (the kernel copies to contiguous anyway), so the view steps below see a plain layout.
        using var xc = Contiguous();
        using var x = xc.Unsqueeze(-2);
        using var y = x.AvgPoolCore("AvgPool1d", [1, kernelSize], [1, stride ?? kernelSize], [0, padding], ceilMode, countIncludePad);
        return y.Squeeze(-2);
    }

    Tensor AvgPoolCore(string op, int[] kernelSize, int[]? stride, int[]? padding, bool ceilMode, bool countIncludePad)
    {
        using var x4 = PoolInput(op, out bool unbatched);
        var w = PoolWindowOf(op, kernelSize, stride, padding, null);
        var p = PoolPlanesOf(op, x4.shape, w, ceilMode);
        using var xc = x4.ContiguousInDType(x4.DType);
        var y = Allocate([x4.shape[0], x4.shape[1], p.OH, p.OW], x4.DType);
        if (p.Planes > 0) AvgPoolKernel.Forward(xc, y, p, w, countIncludePad);
        if (GradMode.ShouldRecord(x4)) GradMode.Record(y, new AvgPoolBackward((int[])x4.shape.Clone(), p, w, countIncludePad, adaptive: false), x4);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.PoolOps.ExportPool(onnx, "AveragePool", x4, y, w, ceilMode, countIncludePad);
        return Unbatch(y, unbatched);
    }

    /// <summary>Averages over windows that split H and W into <paramref name="outputSize"/> near-equal parts.</summary>
    public Tensor AdaptiveAvgPool2d(int[] outputSize)
    {
        const string op = "AdaptiveAvgPool2d";
        using var x4 = PoolInput(op, out bool unbatched);
        var p = AdaptivePlanesOf(op, x4.shape, outputSize);
        using var xc = x4.ContiguousInDType(x4.DType);
        var y = Allocate([x4.shape[0], x4.shape[1], p.OH, p.OW], x4.DType);
        if (p.Planes > 0) AvgPoolKernel.AdaptiveForward(xc, y, p);
        if (GradMode.ShouldRecord(x4)) GradMode.Record(y, new AvgPoolBackward((int[])x4.shape.Clone(), p, default, true, adaptive: true), x4);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.PoolOps.ExportAdaptive(onnx, x4, y, max: false);
        return Unbatch(y, unbatched);
    }

    /// <summary>Maxima over windows that split H and W into <paramref name="outputSize"/> near-equal parts.</summary>
    public Tensor AdaptiveMaxPool2d(int[] outputSize) => AdaptiveMaxCore(outputSize, wantIndices: false).Values;

    /// <summary>AdaptiveMaxPool2d that also returns each maximum's flat index h·W + w within its plane (Int64).</summary>
    public (Tensor Values, Tensor Indices) AdaptiveMaxPool2dWithIndices(int[] outputSize)
    {
        var (values, indices) = AdaptiveMaxCore(outputSize, wantIndices: true);
        return (values, indices!);
    }

    (Tensor Values, Tensor? Indices) MaxPoolCore(string op, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode, bool wantIndices)
    {
        using var x4 = PoolInput(op, out bool unbatched);
        var w = PoolWindowOf(op, kernelSize, stride, padding, dilation);
        var p = PoolPlanesOf(op, x4.shape, w, ceilMode);
        using var xc = x4.ContiguousInDType(x4.DType);
        int[] outShape = [x4.shape[0], x4.shape[1], p.OH, p.OW];
        var y = Allocate(outShape, x4.DType);
        bool record = GradMode.ShouldRecord(x4);
        var indices = record || wantIndices ? Allocate((int[])outShape.Clone(), DType.Int64) : null;
        bool pair = MaxPool2x2Kernel.Applies(w, p);
        if (p.Planes > 0)
        {
            if (pair) MaxPool2x2Kernel.Forward(xc, y, indices, p);
            else MaxPoolKernel.Forward(xc, y, indices, p, w);
        }
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.PoolOps.ExportPool(onnx, "MaxPool", x4, y, w, ceilMode, countIncludePad: false);
        return FinishMax(x4, y, indices, p, record, wantIndices, unbatched, op, pair);
    }

    (Tensor Values, Tensor? Indices) AdaptiveMaxCore(int[] outputSize, bool wantIndices)
    {
        const string op = "AdaptiveMaxPool2d";
        using var x4 = PoolInput(op, out bool unbatched);
        var p = AdaptivePlanesOf(op, x4.shape, outputSize);
        using var xc = x4.ContiguousInDType(x4.DType);
        int[] outShape = [x4.shape[0], x4.shape[1], p.OH, p.OW];
        var y = Allocate(outShape, x4.DType);
        bool record = GradMode.ShouldRecord(x4);
        var indices = record || wantIndices ? Allocate((int[])outShape.Clone(), DType.Int64) : null;
        if (p.Planes > 0) MaxPoolKernel.AdaptiveForward(xc, y, indices, p);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.PoolOps.ExportAdaptive(onnx, x4, y, max: true);
        return FinishMax(x4, y, indices, p, record, wantIndices, unbatched, op);
    }

    static (Tensor, Tensor?) FinishMax(Tensor x4, Tensor y, Tensor? indices, PoolPlanes p, bool record, bool wantIndices, bool unbatched, string op, bool pair = false)
    {
        if (record) GradMode.Record(y, new MaxPoolBackward(new Saved(indices!, op), (int[])x4.shape.Clone(), p, op, pair), x4);
        Tensor? outIndices = null;
        if (wantIndices) outIndices = unbatched ? UnbatchIndices(indices!) : indices;
        else indices?.Dispose();
        return (Unbatch(y, unbatched), outIndices);
    }

    static Tensor UnbatchIndices(Tensor indices)
    {
        using (indices) return indices.Squeeze(0);
    }

    // ---- validation and geometry ----

    /// <summary>This tensor as [N, C, H, W] (an unbatched [C, H, W] gains a batch dim of 1, undone by Unbatch).</summary>
    Tensor PoolInput(string op, out bool unbatched)
    {
        Live(op);
        if (Rank is not (3 or 4))
            throw new ArgumentException($"{op}: expected a [N, C, H, W] or [C, H, W] input, got shape {Shapes.Format(shape)}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {DType}; call .To(DType.Float32) first.");
        unbatched = Rank == 3;
        return unbatched ? Unsqueeze(0) : Alias4d();
    }

    /// <summary>A new handle on this tensor that keeps its autograd history (so the caller may dispose it).</summary>
    Tensor Alias4d() => Reshape(shape);

    static Tensor Unbatch(Tensor y, bool unbatched)
    {
        if (!unbatched) return y;
        using (y) return y.Squeeze(0);
    }

    static (int H, int W) PoolPair(int[]? v, int fallback, string name, string op)
    {
        if (v is null) return (fallback, fallback);
        return v.Length switch
        {
            1 => (v[0], v[0]),
            2 => (v[0], v[1]),
            _ => throw new ArgumentException($"{op}: {name} must have 1 or 2 values (height, width), got [{string.Join(", ", v)}]."),
        };
    }

    static PoolWindow PoolWindowOf(string op, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation)
    {
        ArgumentNullException.ThrowIfNull(kernelSize);
        var (kh, kw) = PoolPair(kernelSize, 0, "kernelSize", op);
        var (sh, sw) = stride is null || stride.Length == 0 ? (kh, kw) : PoolPair(stride, 0, "stride", op);
        var (ph, pw) = PoolPair(padding, 0, "padding", op);
        var (dh, dw) = PoolPair(dilation, 1, "dilation", op);
        if (kh <= 0 || kw <= 0) throw new ArgumentException($"{op}: kernelSize must be positive, got ({kh}, {kw}).");
        if (sh <= 0 || sw <= 0) throw new ArgumentException($"{op}: stride must be positive, got ({sh}, {sw}).");
        if (dh <= 0 || dw <= 0) throw new ArgumentException($"{op}: dilation must be positive, got ({dh}, {dw}).");
        if (ph < 0 || pw < 0 || ph > kh / 2 || pw > kw / 2)
            throw new ArgumentException($"{op}: padding ({ph}, {pw}) must be non-negative and at most half the kernel size ({kh}, {kw}).");
        return new PoolWindow(kh, kw, sh, sw, ph, pw, dh, dw);
    }

    static PoolPlanes PoolPlanesOf(string op, int[] s, PoolWindow w, bool ceilMode)
    {
        int oh = PoolWindow.OutputSize(s[2], w.KH, w.SH, w.PH, w.DH, ceilMode);
        int ow = PoolWindow.OutputSize(s[3], w.KW, w.SW, w.PW, w.DW, ceilMode);
        if (oh < 1 || ow < 1)
            throw new ArgumentException(
                $"{op}: an input of shape {Shapes.Format(s)} is too small for kernel ({w.KH}, {w.KW}), padding ({w.PH}, {w.PW}) " +
                $"and dilation ({w.DH}, {w.DW}): the output would be {oh} × {ow}.");
        return new PoolPlanes((long)s[0] * s[1], s[2], s[3], oh, ow);
    }

    static PoolPlanes AdaptivePlanesOf(string op, int[] s, int[] outputSize)
    {
        ArgumentNullException.ThrowIfNull(outputSize);
        var (oh, ow) = PoolPair(outputSize, 0, "outputSize", op);
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"{op}: outputSize must be positive, got ({oh}, {ow}).");
        if (s[2] == 0 || s[3] == 0)
            throw new ArgumentException($"{op}: the input of shape {Shapes.Format(s)} has an empty spatial dim.");
        return new PoolPlanes((long)s[0] * s[1], s[2], s[3], oh, ow);
    }

    // ---- backward ----

    /// <summary>
    /// Saves only the argmax indices: the gradient of each output goes to one input cell. With pair set
    /// (2×2 windows, stride 2, no padding) each row pair is cleared and filled while it is in cache.
    /// </summary>
    sealed class MaxPoolBackward(Saved indices, int[] inputShape, PoolPlanes p, string op, bool pair) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var dtype = InputDTypes[0];
            using var gc = g.ContiguousInDType(dtype);
            var gx = Allocate((int[])inputShape.Clone(), dtype);
            if (p.Planes == 0) gx.FillRaw(0);
            else if (pair) MaxPool2x2Kernel.Backward(gc, indices.Value, gx, p);
            else MaxPoolKernel.Backward(gc, indices.Value, gx, p);
            return [gx];
        }
        protected override void ReleaseSaved() => indices.Release();
    }

    /// <summary>Saves nothing: the windows and divisors follow from the shapes.</summary>
    sealed class AvgPoolBackward(int[] inputShape, PoolPlanes p, PoolWindow w, bool countIncludePad, bool adaptive) : Node
    {
        public override string Name => adaptive ? "AdaptiveAvgPool2dBackward" : "AvgPool2dBackward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var dtype = InputDTypes[0];
            using var gc = g.ContiguousInDType(dtype);
            var gx = Allocate((int[])inputShape.Clone(), dtype);
            if (p.Planes == 0) gx.FillRaw(0);
            else if (adaptive) AvgPoolKernel.AdaptiveBackward(gc, gx, p);
            else AvgPoolKernel.Backward(gc, gx, p, w, countIncludePad);
            return [gx];
        }
    }
}
