using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Batch and layer normalisation (F.batch_norm, F.layer_norm) as fused kernels: one statistics
/// pass and one affine pass forward; one reduction pass and one map pass backward, which yields
/// the input, weight and bias gradients together.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Normalises each channel (dim 1) of [N, C], [N, C, L] or [N, C, H, W]. In training the batch's
    /// mean and biased variance are used, and the running statistics (when given) are updated in
    /// place: r ← (1 − momentum)·r + momentum·batch, with the unbiased variance. In evaluation the
    /// running statistics are used.
    /// </summary>
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight, Tensor? bias,
        bool training, double momentum = 0.1, double eps = 1e-5)
    {
        const string op = "BatchNorm";
        ArgumentNullException.ThrowIfNull(input);
        input.Live(op);
        if (input.Rank < 2)
            throw new ArgumentException($"{op}: expected an input of shape [N, C, ...], got {Shapes.Format(input.shape)}.");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType}.");
        int n = input.shape[0], c = input.shape[1];
        long s = Shapes.Count(input.shape) / Math.Max(1L, (long)n * c);
        for (int d = 2; d < input.Rank; d++) if (input.shape[d] == 0) s = 0;
        CheckChannelVector(op, "runningMean", runningMean, c, input.DType);
        CheckChannelVector(op, "runningVar", runningVar, c, input.DType);
        CheckChannelVector(op, "weight", weight, c, input.DType);
        CheckChannelVector(op, "bias", bias, c, input.DType);
        long count = n * s;
        if (training && count <= 1)
            throw new ArgumentException($"{op}: expected more than 1 value per channel when training, got input shape {Shapes.Format(input.shape)}.");
        if (!training && (runningMean is null || runningVar is null))
            throw new ArgumentException($"{op}: runningMean and runningVar are required in evaluation mode (training: false).");

        using var x = input.ContiguousInDType(input.DType);
        double[] mean, var;
        if (training)
        {
            mean = new double[c]; var = new double[c];
            if (count > 0) BatchNormKernel.Stats(x, n, c, s, mean, var);
            UpdateRunning(runningMean, mean, momentum, 1);
            UpdateRunning(runningVar, var, momentum, count / (double)(count - 1));
        }
        else
        {
            mean = ChannelValues.Read(runningMean!);
            var = ChannelValues.Read(runningVar!);
        }
        var w = weight is null ? null : ChannelValues.Read(weight);
        var b = bias is null ? null : ChannelValues.Read(bias);
        var invstd = new double[c];
        var scale = new double[c];
        for (int ch = 0; ch < c; ch++)
        {
            invstd[ch] = 1 / Math.Sqrt(var[ch] + eps);
            scale[ch] = (w?[ch] ?? 1) * invstd[ch];
        }
        var y = Allocate((int[])input.shape.Clone(), input.DType);
        if (y.NumElements > 0) BatchNormKernel.Affine(x, null, y, n, c, s, mean, scale, null, b ?? new double[c]);

        var inputs = new List<Tensor> { input };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        if (GradMode.ShouldRecord(inputs.ToArray()))
            GradMode.Record(y, new BatchNormBackward(new Saved(x, op), mean, invstd, w, training, n, c, s, weight is not null, bias is not null), inputs.ToArray());
        if (Onnx.Export.OnnxTrace.Active is { } onnx && !training) Onnx.Ops.NormalizationOps.ExportBatchNorm(onnx, input, runningMean!, runningVar!, weight, bias, y, eps);
        return y;
    }

    static void CheckChannelVector(string op, string name, Tensor? t, int c, DType dtype)
    {
        if (t is null) return;
        t.Live(op);
        if (t.Rank != 1 || t.shape[0] != c)
            throw new ArgumentException($"{op}: {name} must have shape [{c}] (one value per channel), got {Shapes.Format(t.shape)}.");
        if (t.DType != dtype)
            throw new ArgumentException($"{op}: {name} is {t.DType} but the input is {dtype}; convert one of them with .To(...).");
    }

    static void UpdateRunning(Tensor? running, double[] batch, double momentum, double correction)
    {
        if (running is null) return;
        if (!running.IsContiguous)
            throw new ArgumentException("BatchNorm: the running statistics must be contiguous to be updated in place.");
        var r = ChannelValues.Read(running);
        for (int i = 0; i < r.Length; i++) r[i] = (1 - momentum) * r[i] + momentum * batch[i] * correction;
        ChannelValues.Write(running, r);
    }

    /// <summary>Saves the input and the per-channel mean and 1/std; gradients for input, weight and bias in two passes.</summary>
    sealed class BatchNormBackward(Saved x, double[] mean, double[] invstd, double[]? weight, bool batchStats,
        int n, int c, long s, bool hasWeight, bool hasBias) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var gc = g.ContiguousInDType(xv.DType);
            int wIndex = hasWeight ? 1 : -1, bIndex = hasBias ? (hasWeight ? 2 : 1) : -1;
            bool wantW = wIndex > 0 && NeedsInputGrad(wIndex), wantB = bIndex > 0 && NeedsInputGrad(bIndex);
            double count = (double)n * s;
            var sumG = new double[c];
            var sumGX = new double[c];
            if ((batchStats || wantW || wantB) && count > 0) BatchNormKernel.GradSums(gc, xv, n, c, s, mean, sumG, sumGX);

            var result = new Tensor?[1 + (hasWeight ? 1 : 0) + (hasBias ? 1 : 0)];
            if (NeedsInputGrad(0))
            {
                // gx = w·invstd·(g − Σg/M − x̂·Σg·x̂/M) in training; w·invstd·g with fixed statistics.
                var k1 = new double[c]; var k2 = new double[c]; var k3 = new double[c];
                for (int ch = 0; ch < c; ch++)
                {
                    k1[ch] = (weight?[ch] ?? 1) * invstd[ch];
                    if (!batchStats) continue;
                    k2[ch] = -k1[ch] * invstd[ch] * invstd[ch] * sumGX[ch] / count;
                    k3[ch] = -k1[ch] * sumG[ch] / count;
                }
                var gx = Allocate((int[])xv.shape.Clone(), xv.DType);
                if (gx.NumElements > 0) BatchNormKernel.Affine(gc, xv, gx, n, c, s, mean, k1, k2, k3);
                result[0] = gx;
            }
            if (wantW)
            {
                var dw = new double[c];
                for (int ch = 0; ch < c; ch++) dw[ch] = sumGX[ch] * invstd[ch];
                result[wIndex] = ChannelTensor(dw, xv.DType);
            }
            if (wantB) result[bIndex] = ChannelTensor(sumG, xv.DType);
            return result;
        }

        protected override void ReleaseSaved() => x.Release();
    }

    static Tensor ChannelTensor(double[] values, DType dtype)
    {
        var t = Allocate([values.Length], dtype);
        ChannelValues.Write(t, values);
        return t;
    }

    /// <summary>
    /// Normalises over the trailing dims given by <paramref name="normalizedShape"/> with the biased
    /// variance, then applies the elementwise weight and bias (of that shape) when given.
    /// </summary>
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        const string op = "LayerNorm";
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(normalizedShape);
        input.Live(op);
        int k = normalizedShape.Length;
        if (k == 0 || k > input.Rank || !input.shape.AsSpan(input.Rank - k).SequenceEqual(normalizedShape))
            throw new ArgumentException($"{op}: normalizedShape {Shapes.Format(normalizedShape)} must be non-empty and match the trailing dims of the input {Shapes.Format(input.shape)}.");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {input.DType}.");
        foreach (var (name, t) in new[] { ("weight", weight), ("bias", bias) })
        {
            if (t is null) continue;
            t.Live(op);
            if (!Shapes.SameShape(t.shape, normalizedShape))
                throw new ArgumentException($"{op}: {name} must have the normalized shape {Shapes.Format(normalizedShape)}, got {Shapes.Format(t.shape)}.");
            if (t.DType != input.DType)
                throw new ArgumentException($"{op}: {name} is {t.DType} but the input is {input.DType}; convert one of them with .To(...).");
        }
        int d = checked((int)Shapes.Count(normalizedShape));
        long rows = d == 0 ? 0 : input.NumElements / d;

        using var x = input.ContiguousInDType(input.DType);
        using var w = weight?.ContiguousInDType(input.DType);
        using var b = bias?.ContiguousInDType(input.DType);
        var mean = new double[rows];
        var rstd = new double[rows];
        var y = Allocate((int[])input.shape.Clone(), input.DType);
        if (rows > 0 && d > 0) LayerNormKernel.Forward(x, w, b, y, rows, d, eps, mean, rstd);

        var inputs = new List<Tensor> { input };
        if (weight is not null) inputs.Add(weight);
        if (bias is not null) inputs.Add(bias);
        if (GradMode.ShouldRecord(inputs.ToArray()))
            GradMode.Record(y, new LayerNormBackward(new Saved(x, op), w is null ? null : new Saved(w, op), mean, rstd, rows, d, bias is not null), inputs.ToArray());
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.NormalizationOps.ExportLayerNorm(onnx, input, weight, bias, y, k, eps);
        return y;
    }

    /// <summary>Saves the input, the weight and the per-row mean and 1/std.</summary>
    sealed class LayerNormBackward(Saved x, Saved? weight, double[] mean, double[] rstd, long rows, int d, bool hasBias) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            var wv = weight?.Value;
            using var gc = g.ContiguousInDType(xv.DType);
            int wIndex = wv is not null ? 1 : -1, bIndex = hasBias ? (wv is not null ? 2 : 1) : -1;
            var wShape = InputShapes[Math.Max(wIndex, bIndex) > 0 ? Math.Max(wIndex, bIndex) : 0];
            var gx = Allocate((int[])xv.shape.Clone(), xv.DType);
            var gw = wIndex > 0 && NeedsInputGrad(wIndex) ? Allocate((int[])wShape.Clone(), xv.DType) : null;
            var gb = bIndex > 0 && NeedsInputGrad(bIndex) ? Allocate((int[])wShape.Clone(), xv.DType) : null;
            if (rows > 0 && d > 0) LayerNormKernel.Backward(gc, xv, wv, mean, rstd, rows, d, gx, gw, gb);
            else { gx.FillRaw(0); gw?.FillRaw(0); gb?.FillRaw(0); }
            var result = new Tensor?[1 + (wv is not null ? 1 : 0) + (hasBias ? 1 : 0)];
            result[0] = gx;
            if (wIndex > 0) result[wIndex] = gw;
            if (bIndex > 0) result[bIndex] = gb;
            return result;
        }

        protected override void ReleaseSaved()
        {
            x.Release();
            weight?.Release();
        }
    }

    /// <summary>
    /// Normalises each of <paramref name="numGroups"/> groups of channels of [N, C, ...] over its
    /// channels and spatial positions, then applies the per-channel weight and bias (shape [C]).
    /// Composed from LayerNorm's fused kernel on a [N·G, C/G·S] view, and a broadcast affine.
    /// </summary>
    public static Tensor GroupNorm(Tensor input, int numGroups, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        const string op = "GroupNorm";
        ArgumentNullException.ThrowIfNull(input);
        input.Live(op);
        if (input.Rank < 2)
            throw new ArgumentException($"{op}: expected an input of shape [N, C, ...], got {Shapes.Format(input.shape)}.");
        int n = input.shape[0], c = input.shape[1];
        if (numGroups <= 0 || c % numGroups != 0)
            throw new ArgumentException($"{op}: {c} channels cannot be split into {numGroups} groups; numGroups must divide the channel count.");
        CheckChannelVector(op, "weight", weight, c, input.DType);
        CheckChannelVector(op, "bias", bias, c, input.DType);
        long perGroup = input.NumElements / Math.Max(1L, (long)n * numGroups);
        if (n == 0 || perGroup == 0) return input.Clone();
        using var rows = input.Reshape(n * numGroups, checked((int)perGroup));
        using var normalized = LayerNorm(rows, [checked((int)perGroup)], null, null, eps);
        var y = normalized.Reshape(input.shape);
        var channelShape = new int[input.Rank];
        Array.Fill(channelShape, 1);
        channelShape[1] = c;
        if (weight is not null)
        {
            using var w = weight.Reshape(channelShape);
            using var scaled = y;
            y = scaled * w;
        }
        if (bias is not null)
        {
            using var b = bias.Reshape(channelShape);
            using var unshifted = y;
            y = unshifted + b;
        }
        return y;
    }
}
