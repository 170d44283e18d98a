using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>BatchNormalization (inference), InstanceNormalization, LayerNormalization and GroupNormalization, on Ember's ops.</summary>
internal static class NormalizationOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["BatchNormalization"] = BatchNorm;
        r["InstanceNormalization"] = InstanceNorm;
        r["LayerNormalization"] = LayerNorm;
        r["GroupNormalization"] = GroupNorm;
    }

    static OnnxKernel GroupNorm(OnnxNode node)
    {
        node.ExpectInputs(3, 3);
        double eps = node.Float("epsilon", 1e-5f);
        int groups = node.IntOrNull("num_groups") is long g ? (int)g : throw node.Error("has no num_groups attribute");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var scale = Host.Need(node, inputs, 1, "scale");
            var bias = Host.Need(node, inputs, 2, "bias");
            if (x.Rank < 2 || groups < 1 || x.Shape[1] % groups != 0)
                throw new ArgumentException($"GroupNormalization: {groups} groups do not divide the channels of {Shapes.Format(x.Shape)}.");
            int c = x.Shape[1];
            // Opset 18 gave one scale and bias per group; opset 21 one per channel.
            if (scale.NumElements == c && bias.NumElements == c) return [Tensor.GroupNorm(x, groups, scale, bias, eps)];
            if (scale.NumElements != groups || bias.NumElements != groups)
                throw new ArgumentException($"GroupNormalization: scale {Shapes.Format(scale.Shape)} and bias {Shapes.Format(bias.Shape)} should hold one value per channel ({c}) or per group ({groups}).");
            using var s2 = PerGroup(scale, c / groups);
            using var b2 = PerGroup(bias, c / groups);
            return [Tensor.GroupNorm(x, groups, s2, b2, eps)];
        };
    }

    /// <summary>[G] → [G·k], each value repeated k times.</summary>
    static Tensor PerGroup(Tensor v, int k)
    {
        using var col = v.Reshape((int)v.NumElements, 1);
        using var wide = col.Expand((int)v.NumElements, k);
        return wide.Reshape((int)v.NumElements * k);
    }

    /// <summary>A per-channel vector [C] shaped [C, 1, ...] to broadcast over [N, C, ...].</summary>
    static Tensor PerChannel(Tensor v, int rank) => v.Reshape([v.NumElements > 0 ? (int)v.NumElements : 0, .. Enumerable.Repeat(1, Math.Max(0, rank - 2))]);

    static OnnxKernel BatchNorm(OnnxNode node)
    {
        node.ExpectInputs(5, 5);
        double eps = node.Float("epsilon", 1e-5f);
        if (node.Int("training_mode", 0) != 0 || (node.Opset < 7 && node.Int("is_test", 0) == 0 && node.OutputCount > 1))
            throw new NotSupportedException($"ONNX: {node.Describe()} runs in training mode; Ember imports BatchNormalization for inference only.");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            using var scale = PerChannel(Host.Need(node, inputs, 1, "scale"), x.Rank);
            using var bias = PerChannel(Host.Need(node, inputs, 2, "B"), x.Rank);
            using var mean = PerChannel(Host.Need(node, inputs, 3, "input_mean"), x.Rank);
            using var variance = PerChannel(Host.Need(node, inputs, 4, "input_var"), x.Rank);
            using var centered = x.Sub(mean);
            using var ve = variance + eps;
            using var std = ve.Sqrt();
            using var normed = centered.Div(std);
            using var scaled = normed.Mul(scale);
            return [scaled.Add(bias)];
        };
    }

    static OnnxKernel InstanceNorm(OnnxNode node)
    {
        node.ExpectInputs(3, 3);
        double eps = node.Float("epsilon", 1e-5f);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            if (x.Rank < 3) throw new ArgumentException($"InstanceNormalization: expected an input [N, C, ...] with spatial axes, got {Shapes.Format(x.Shape)}.");
            var dims = Enumerable.Range(2, x.Rank - 2).ToArray();
            using var scale = PerChannel(Host.Need(node, inputs, 1, "scale"), x.Rank);
            using var bias = PerChannel(Host.Need(node, inputs, 2, "B"), x.Rank);
            using var normed = Normalize(x, dims, eps, out var m, out var inv);
            m.Dispose(); inv.Dispose();
            using var scaled = normed.Mul(scale);
            return [scaled.Add(bias)];
        };
    }

    /// <summary>(x − mean)·invStd over <paramref name="dims"/>, with the population variance.</summary>
    static Tensor Normalize(Tensor x, int[] dims, double eps, out Tensor mean, out Tensor invStd)
    {
        mean = x.Mean(dims, keepDim: true);
        using var centered = x.Sub(mean);
        using var sq = centered.Mul(centered);
        using var variance = sq.Mean(dims, keepDim: true);
        using var ve = variance + eps;
        invStd = ve.Rsqrt();
        return centered.Mul(invStd);
    }

    static OnnxKernel LayerNorm(OnnxNode node)
    {
        node.ExpectInputs(2, 3);
        long axisAttr = node.Int("axis", -1);
        double eps = node.Float("epsilon", 1e-5f);
        long stash = node.Int("stash_type", 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var scale = Host.Need(node, inputs, 1, "Scale");
            var b = inputs.Length > 2 ? inputs[2] : null;
            int axis = Host.Axis(node, axisAttr, x.Rank);
            var dims = Enumerable.Range(axis, x.Rank - axis).ToArray();
            // stash_type says the precision of the statistics: 1 = float32 (the default), 11 = double.
            var statType = stash == 11 ? DType.Float64 : DType.Float32;
            using var xs = x.To(statType);
            using var normed = Normalize(xs, dims, eps, out var mean, out var invStd);
            using var normedX = normed.To(x.DType);
            using var scaled = normedX.Mul(scale);
            var y = b is null ? Host.Same(scaled) : scaled.Add(b);
            return [y, mean, invStd];
        };
    }

    // ---- export ----

    /// <summary>BatchNorm in evaluation form: BatchNormalization over the running statistics.</summary>
    internal static void ExportBatchNorm(OnnxTracer t, Tensor x, Tensor mean, Tensor var, Tensor? weight, Tensor? bias, Tensor y, double eps)
    {
        int c = x.Shape[1];
        string scale = weight is null ? Filled(t, c, 1, x.DType) : t.In(weight);
        string shift = bias is null ? Filled(t, c, 0, x.DType) : t.In(bias);
        t.Emit("BatchNormalization", y, [t.In(x), scale, shift, t.In(mean), t.In(var)], new Attr("epsilon", eps));
    }

    /// <summary>LayerNorm over the last <paramref name="dims"/> dims: LayerNormalization from opset 17, else composed from reductions.</summary>
    internal static void ExportLayerNorm(OnnxTracer t, Tensor x, Tensor? weight, Tensor? bias, Tensor y, int dims, double eps)
    {
        string xi = t.In(x);
        if (t.Opset >= 17)
        {
            int[] shape = x.Shape[^dims..];
            string w = weight is null ? Filled(t, shape, 1, x.DType) : t.In(weight);
            t.Emit("LayerNormalization", y, [xi, w, t.InOptional(bias)], new Attr("axis", (long)-dims), new Attr("epsilon", eps));
            return;
        }
        var axes = Enumerable.Range(x.Rank - dims, dims).Select(a => (long)a).ToArray();
        var mean = ReductionOps.ReduceMean(t, xi, axes, keepDim: true);
        var d = t.Emit("Sub", [xi, mean]);
        var variance = ReductionOps.ReduceMean(t, t.Emit("Mul", [d, d]), axes, keepDim: true);
        var std = t.Emit("Sqrt", [t.Emit("Add", [variance, t.Scalar(eps, x.DType)])]);
        var result = t.Emit("Div", [d, std]);
        if (weight is not null) result = t.Emit("Mul", [result, t.In(weight)]);
        if (bias is not null) result = t.Emit("Add", [result, t.In(bias)]);
        t.Bind(y, result);
    }

    static string Filled(OnnxTracer t, int c, double value, DType dtype) => Filled(t, [c], value, dtype);

    static string Filled(OnnxTracer t, int[] shape, double value, DType dtype)
    {
        using (OnnxTrace.Suppress())
        {
            using var f = Tensor.Full(shape, (float)value);
            using var v = f.To(dtype);
            return t.Constant(v, value == 1 ? "ones" : "zeros");
        }
    }
}
