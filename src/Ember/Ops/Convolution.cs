using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Conv1d, Conv2d and ConvTranspose2d with torch.nn.functional's semantics. A transposed conv is the
/// input gradient of the conv it reverses, so both directions share one geometry and three kernels:
/// forward, backward-input and backward-weight.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// F.conv2d: input [N, C, H, W] (or unbatched [C, H, W]), weight [O, C/groups, kH, kW], bias [O].
    /// stride, padding and dilation take one value for both dims or two (height, width).
    /// </summary>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1)
        => Conv2d(input, weight, bias, stride, padding, dilation, groups, GemmActivation.None);

    /// <summary>Conv2d followed by an activation computed in the GEMM's epilogue.</summary>
    internal static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int[]? stride, int[]? padding,
        int[]? dilation, int groups, GemmActivation activation)
    {
        const string op = "Conv2d";
        CheckConvOperands(op, input, weight, bias, 2);
        if (input.Rank == 3) return Unbatched(input, x => Conv2d(x, weight, bias, stride, padding, dilation, groups, activation));
        var (sH, sW) = Pair(op, "stride", stride, 1, min: 1);
        var (pH, pW) = Pair(op, "padding", padding, 0, min: 0);
        var (dH, dW) = Pair(op, "dilation", dilation, 1, min: 1);
        int n = input.shape[0], c = input.shape[1], h = input.shape[2], w = input.shape[3];
        int o = weight.shape[0], kH = weight.shape[2], kW = weight.shape[3];
        CheckGroups(op, input, weight, groups, weight.shape[1] * groups);
        int oh = ConvGeometry.OutputSize(h, kH, sH, pH, dH), ow = ConvGeometry.OutputSize(w, kW, sW, pW, dW);
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: input {Shapes.Format(input.shape)} padded by ({pH}, {pW}) is smaller than the kernel " +
                $"{kH}×{kW} at dilation ({dH}, {dW}); the output would be {oh}×{ow}.");
        if (bias is not null && (bias.Rank != 1 || bias.shape[0] != o))
            throw new ArgumentException($"{op}: bias {Shapes.Format(bias.shape)} should be [{o}], one value per output channel of the weight {Shapes.Format(weight.shape)}.");
        var g = new ConvGeometry(n, c, h, w, o, kH, kW, sH, sW, pH, pW, dH, dW, groups, oh, ow);

        using var x = input.ContiguousInDType(input.DType);
        using var wt = weight.ContiguousInDType(weight.DType);
        using var b = bias?.ContiguousInDType(bias.DType);
        var y = Allocate([n, o, oh, ow], input.DType);
        FlopCounter.Add(g.WorkPerImage * g.Batch);
        ConvKernels.Forward(g, x, wt, b, y, activation);
        if (bias is null ? GradMode.ShouldRecord(input, weight) : GradMode.ShouldRecord([input, weight, bias]))
        {
            var node = new Conv2dBackward(g, weight.RequiresGrad ? new Saved(x, op) : null, input.RequiresGrad ? new Saved(wt, op) : null,
                FusedRelu.SaveOutput(y, activation, op));
            if (bias is null) GradMode.Record(y, node, input, weight);
            else GradMode.Record(y, node, input, weight, bias);
        }
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ConvOps.ExportConv(onnx, input, weight, bias, y, [sH, sW], [pH, pW], [dH, dW], groups, activation == GemmActivation.Relu);
        return y;
    }

    /// <summary>F.conv1d: input [N, C, L] (or [C, L]), weight [O, C/groups, k]; runs as a 2-d conv of height 1.</summary>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1)
    {
        const string op = "Conv1d";
        CheckConvOperands(op, input, weight, bias, 1);
        if (input.Rank == 2) return Unbatched(input, x => Conv1d(x, weight, bias, stride, padding, dilation, groups));
        int s = Single(op, "stride", stride, 1), p = Single(op, "padding", padding, 0), d = Single(op, "dilation", dilation, 1);
        using var x2 = input.Unsqueeze(2);
        using var w2 = weight.Unsqueeze(2);
        using var y2 = Conv2d(x2, w2, bias, [1, s], [0, p], [1, d], groups);
        return y2.Squeeze(2);
    }

    /// <summary>
    /// F.conv_transpose2d: input [N, C_in, H, W] (or [C_in, H, W]), weight [C_in, C_out/groups, kH, kW], bias [C_out];
    /// output size (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1.
    /// </summary>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? outputPadding = null, int groups = 1, int[]? dilation = null)
    {
        const string op = "ConvTranspose2d";
        CheckConvOperands(op, input, weight, bias, 2);
        if (input.Rank == 3) return Unbatched(input, x => ConvTranspose2d(x, weight, bias, stride, padding, outputPadding, groups, dilation));
        var (sH, sW) = Pair(op, "stride", stride, 1, min: 1);
        var (pH, pW) = Pair(op, "padding", padding, 0, min: 0);
        var (opH, opW) = Pair(op, "outputPadding", outputPadding, 0, min: 0);
        var (dH, dW) = Pair(op, "dilation", dilation, 1, min: 1);
        if ((opH >= sH && opH >= dH) || (opW >= sW && opW >= dW))
            throw new ArgumentException($"{op}: outputPadding ({opH}, {opW}) must be smaller than either the stride ({sH}, {sW}) or the dilation ({dH}, {dW}).");
        int n = input.shape[0], cin = input.shape[1], h = input.shape[2], w = input.shape[3];
        int cout = weight.shape[1] * groups, kH = weight.shape[2], kW = weight.shape[3];
        CheckGroups(op, input, weight, groups, weight.shape[0]);
        int oh = (h - 1) * sH - 2 * pH + dH * (kH - 1) + opH + 1, ow = (w - 1) * sW - 2 * pW + dW * (kW - 1) + opW + 1;
        if (oh <= 0 || ow <= 0)
            throw new ArgumentException($"{op}: input {Shapes.Format(input.shape)} with weight {Shapes.Format(weight.shape)} and padding ({pH}, {pW}) gives an empty output {oh}×{ow}.");
        if (bias is not null && (bias.Rank != 1 || bias.shape[0] != cout))
            throw new ArgumentException($"{op}: bias {Shapes.Format(bias.shape)} should be [{cout}], one value per output channel (weight {Shapes.Format(weight.shape)}, groups {groups}).");
        // The conv this one reverses: from the [N, C_out, OH, OW] output back to the [N, C_in, H, W] input.
        var g = new ConvGeometry(n, cout, oh, ow, cin, kH, kW, sH, sW, pH, pW, dH, dW, groups, h, w);

        using var x = input.ContiguousInDType(input.DType);
        using var wt = weight.ContiguousInDType(weight.DType);
        var y = Allocate([n, cout, oh, ow], input.DType);
        FlopCounter.Add(g.WorkPerImage * g.Batch);
        ConvKernels.BackwardInput(g, x, wt, y);
        if (bias is not null && y.NumElements > 0)
        {
            using var b = bias.ContiguousInDType(bias.DType);
            ConvKernels.AddBias(n, cout, oh * ow, y, b);
        }
        if (bias is null ? GradMode.ShouldRecord(input, weight) : GradMode.ShouldRecord([input, weight, bias]))
        {
            var node = new ConvTranspose2dBackward(g, weight.RequiresGrad ? new Saved(x, op) : null, input.RequiresGrad ? new Saved(wt, op) : null);
            if (bias is null) GradMode.Record(y, node, input, weight);
            else GradMode.Record(y, node, input, weight, bias);
        }
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ConvOps.ExportConvTranspose(onnx, input, weight, bias, y, [sH, sW], [pH, pW], [opH, opW], [dH, dW], groups);
        return y;
    }

    // ---- validation ----
    static void CheckConvOperands(string op, Tensor input, Tensor weight, Tensor? bias, int spatial)
    {
        input.Live(op); weight.Live(op); bias?.Live(op);
        string layout = spatial == 1 ? "[N, C, L]" : "[N, C, H, W]";
        if (input.Rank != spatial + 2 && input.Rank != spatial + 1)
            throw new ArgumentException($"{op}: input {Shapes.Format(input.shape)} should be {layout} (or unbatched, without N).");
        if (weight.Rank != spatial + 2)
            throw new ArgumentException($"{op}: weight {Shapes.Format(weight.shape)} should have {spatial + 2} dims (out/in channels and {spatial} kernel size{(spatial > 1 ? "s" : "")}).");
        if (input.DType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"{op}: input is {input.DType}; convolutions need Float32 or Float64 (call .To(DType.Float32)).");
        if (weight.DType != input.DType || (bias is not null && bias.DType != input.DType))
            throw new ArgumentException($"{op}: input ({input.DType}), weight ({weight.DType}){(bias is null ? "" : $" and bias ({bias.DType})")} must have the same dtype.");
    }

    /// <summary>The input's channels match what the weight expects, and groups divides them and the weight's first dim.</summary>
    static void CheckGroups(string op, Tensor input, Tensor weight, int groups, int expectedInChannels)
    {
        int channels = input.shape[1];
        if (groups < 1)
            throw new ArgumentException($"{op}: groups must be at least 1, got {groups}.");
        if (channels != expectedInChannels)
            throw new ArgumentException($"{op}: input {Shapes.Format(input.shape)} has {channels} channels but the weight {Shapes.Format(weight.shape)} expects {expectedInChannels} (groups {groups}).");
        if (channels % groups != 0 || weight.shape[0] % groups != 0)
            throw new ArgumentException($"{op}: groups {groups} must divide the input channels ({channels}) and the weight's first dim ({weight.shape[0]}), weight {Shapes.Format(weight.shape)}.");
    }

    static (int, int) Pair(string op, string name, int[]? values, int fallback, int min)
    {
        if (values is null) return (fallback, fallback);
        if (values.Length is not (1 or 2))
            throw new ArgumentException($"{op}: {name} takes one value or two (height, width), got {values.Length}: [{string.Join(", ", values)}].");
        int a = values[0], b = values[^1];
        if (a < min || b < min)
            throw new ArgumentException($"{op}: {name} must be at least {min}, got [{string.Join(", ", values)}].");
        return (a, b);
    }

    static int Single(string op, string name, int[]? values, int fallback)
    {
        if (values is null) return fallback;
        if (values.Length != 1)
            throw new ArgumentException($"{op}: {name} takes one value, got {values.Length}: [{string.Join(", ", values)}].");
        return values[0];
    }

    /// <summary>Runs a batched op on an unbatched input by adding and then removing a batch dim of 1.</summary>
    static Tensor Unbatched(Tensor input, Func<Tensor, Tensor> batched)
    {
        using var x = input.Unsqueeze(0);
        using var y = batched(x);
        return y.Squeeze(0);
    }

    // ---- backward ----
    /// <summary>Gradients of y = conv(x, w) + b: gx by the transposed conv, gw by gy ⋆ x, gb by summing gy.</summary>
    sealed class Conv2dBackward(ConvGeometry g, Saved? x, Saved? w, Saved? reluOutput) : Node
    {
        protected internal override Tensor?[] Backward(Tensor grad)
        {
            using var masked = reluOutput is null ? null : FusedRelu.MaskGrad(grad, reluOutput.Value);
            using var gy = (masked ?? grad).ContiguousInDType(grad.DType);
            Tensor? gx = null, gw = null, gb = null;
            if (NeedsInputGrad(0))
            {
                gx = Allocate([g.Batch, g.InChannels, g.InH, g.InW], gy.DType);
                ConvKernels.BackwardInput(g, gy, w!.Value, gx);
            }
            if (NeedsInputGrad(1))
            {
                gw = Allocate([g.OutChannels, g.InGroupChannels, g.KH, g.KW], gy.DType);
                ConvKernels.BackwardWeight(g, x!.Value, gy, gw);
            }
            if (NeedsInputGrad(2))
            {
                gb = Allocate([g.OutChannels], gy.DType);
                ConvKernels.BackwardBias(g.Batch, g.OutChannels, g.OutPlane, gy, gb);
            }
            return [gx, gw, gb];
        }

        protected override void ReleaseSaved() { x?.Release(); w?.Release(); reluOutput?.Release(); }
    }

    /// <summary>Gradients of y = convᵀ(x, w) + b: gx by the conv itself, gw by x ⋆ gy (roles swapped), gb by summing gy.</summary>
    sealed class ConvTranspose2dBackward(ConvGeometry g, Saved? x, Saved? w) : Node
    {
        protected internal override Tensor?[] Backward(Tensor grad)
        {
            using var gy = grad.ContiguousInDType(grad.DType);
            Tensor? gx = null, gw = null, gb = null;
            if (NeedsInputGrad(0))
            {
                gx = Allocate([g.Batch, g.OutChannels, g.OutH, g.OutW], gy.DType);
                ConvKernels.Forward(g, gy, w!.Value, null, gx);
            }
            if (NeedsInputGrad(1))
            {
                gw = Allocate([g.OutChannels, g.InGroupChannels, g.KH, g.KW], gy.DType);
                ConvKernels.BackwardWeight(g, gy, x!.Value, gw);
            }
            if (NeedsInputGrad(2))
            {
                gb = Allocate([g.InChannels], gy.DType);
                ConvKernels.BackwardBias(g.Batch, g.InChannels, g.InPlane, gy, gb);
            }
            return [gx, gw, gb];
        }

        protected override void ReleaseSaved() { x?.Release(); w?.Release(); }
    }
}
