namespace Ember.Onnx.Ops;

/// <summary>
/// Linear quantization over Ember's integer dtypes (UINT8, INT32, and the narrow types stored widened:
/// INT8, INT16, UINT16 saturate to their own range): QuantizeLinear, DequantizeLinear
/// (per-tensor, per-axis and blocked), DynamicQuantizeLinear, MatMulInteger, ConvInteger, QLinearMatMul
/// and QLinearConv. Rounding is half to even and results saturate to the target type.
/// </summary>
internal static class QuantizeOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["QuantizeLinear"] = Quantize;
        r["DequantizeLinear"] = Dequantize;
        r["DynamicQuantizeLinear"] = DynamicQuantize;
        r["MatMulInteger"] = MatMulInteger;
        r["ConvInteger"] = ConvInteger;
        r["QLinearMatMul"] = QLinearMatMul;
        r["QLinearConv"] = QLinearConv;
    }

    /// <summary>A scale or zero point spread over every element of a tensor of <paramref name="shape"/>: scalar, per-axis or blocked.</summary>
    static double[] Spread(Tensor? param, int[] shape, int axis, int block, double fallback, string op)
    {
        long n = Shapes.Count(shape);
        var result = new double[n];
        if (param is null) { Array.Fill(result, fallback); return result; }
        var v = OnnxTensors.ToDoubles(param);
        if (v.Length == 1) { Array.Fill(result, v[0]); return result; }
        var strides = Host.Strides(shape);
        var ps = param.Shape;
        bool blocked = block > 0 && param.Rank == shape.Length;
        if (axis < 0 || (!blocked && (param.Rank != 1 || ps[0] != shape[axis])))
            throw new ArgumentException($"{op}: the scale or zero point of shape {Shapes.Format(ps)} fits neither per-tensor, per-axis (axis {axis}) nor blocked quantization of {Shapes.Format(shape)}.");
        var pStrides = Host.Strides(ps);
        for (long i = 0; i < n; i++)
        {
            long rem = i, at = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                long c = rem / strides[d]; rem %= strides[d];
                if (blocked) at += (d == axis ? c / block : c) * pStrides[d];
                else if (d == axis) at = c;
            }
            result[i] = v[at];
        }
        return result;
    }

    /// <summary>The quantization axis, or −1 when it does not exist (it then matters only if the scale is not a scalar).</summary>
    static int AxisOrNone(long axis, int rank) => axis >= -rank && axis < rank ? (int)(axis < 0 ? axis + rank : axis) : -1;

    static (double Min, double Max) Range(DType d, string op) => d switch
    {
        DType.UInt8 => (0, 255),
        DType.Int32 => (int.MinValue, int.MaxValue),
        DType.Int64 => (long.MinValue, long.MaxValue),
        _ => throw new NotSupportedException($"{op}: quantizing to {d} is not supported; Ember quantizes to UInt8 and Int32."),
    };

    /// <summary>The range of the node's output when it is a narrow type Ember stores widened (INT8 in Int32, ...).</summary>
    static (double Min, double Max)? NarrowRange(OnnxNode node) => OnnxTypes.IntegerRange(node.OutputElementType(0));

    static double Saturate(double v, (double Min, double Max) r) => Math.Clamp(v, r.Min, r.Max);

    static OnnxKernel Quantize(OnnxNode node)
    {
        node.ExpectInputs(2, 3);
        long axisAttr = node.Int("axis", 1);
        int block = node.Int32("block_size", 0);
        long? outputType = node.IntOrNull("output_dtype");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "x");
            var scale = Host.Need(node, inputs, 1, "y_scale");
            var zp = inputs.Length > 2 ? inputs[2] : null;
            var target = zp?.DType ?? (outputType is long t && t != 0 ? OnnxTypes.ToDType((int)t, "the output_dtype of QuantizeLinear") : DType.UInt8);
            var range = NarrowRange(node) ?? Range(target, "QuantizeLinear");
            var shape = x.Shape;
            int axis = AxisOrNone(axisAttr, x.Rank);
            var s = Spread(scale, shape, axis, block, 1, "QuantizeLinear");
            var z = Spread(zp, shape, axis, block, 0, "QuantizeLinear");
            var v = OnnxTensors.ToDoubles(x);
            // Divide in the input's precision, as the reference does, so halves round the same way.
            bool single = x.DType == DType.Float32;
            for (int i = 0; i < v.Length; i++) v[i] = Saturate(Math.Round(single ? (float)v[i] / (float)s[i] : v[i] / s[i]) + z[i], range);
            return [OnnxTensors.FromDoubles(v, shape, target)];
        };
    }

    static OnnxKernel Dequantize(OnnxNode node)
    {
        node.ExpectInputs(2, 3);
        long axisAttr = node.Int("axis", 1);
        int block = node.Int32("block_size", 0);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "x");
            var scale = Host.Need(node, inputs, 1, "x_scale");
            var zp = inputs.Length > 2 ? inputs[2] : null;
            var shape = x.Shape;
            int axis = AxisOrNone(axisAttr, x.Rank);
            var s = Spread(scale, shape, axis, block, 1, "DequantizeLinear");
            var z = Spread(zp, shape, axis, block, 0, "DequantizeLinear");
            var v = OnnxTensors.ToDoubles(x);
            for (int i = 0; i < v.Length; i++) v[i] = (v[i] - z[i]) * s[i];
            return [OnnxTensors.FromDoubles(v, shape, scale.DType)];
        };
    }

    static OnnxKernel DynamicQuantize(OnnxNode node)
    {
        node.ExpectInputs(1, 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "x");
            var v = OnnxTensors.ToDoubles(x);
            // The reference computes in float32; so does this, to round the same way.
            float lo = (float)Math.Min(0, v.Length > 0 ? v.Min() : 0), hi = (float)Math.Max(0, v.Length > 0 ? v.Max() : 0);
            float scale = (hi == lo ? 1f : hi - lo) / 255f;
            double zp = Math.Round(Math.Clamp(0f - lo / scale, 0f, 255f));
            var y = new double[v.Length];
            for (int i = 0; i < v.Length; i++) y[i] = Math.Clamp(Math.Round((float)v[i] / scale) + zp, 0, 255);
            return [OnnxTensors.FromDoubles(y, x.Shape, DType.UInt8), Tensor.Scalar(scale), Tensor.Full([], zp, DType.UInt8)];
        };
    }

    /// <summary>x − zero point in Float64, with the zero point per row (axis −2) or per column (axis −1) when it is a vector.</summary>
    static Tensor Centered(Tensor x, Tensor? zp, bool perRow)
    {
        var xd = x.To(DType.Float64);
        if (zp is null) return xd;
        using (xd)
        {
            using var z = zp.To(DType.Float64);
            if (z.NumElements == 1 || !perRow) return xd.Sub(z);
            using var col = z.Reshape([(int)z.NumElements, 1]);
            return xd.Sub(col);
        }
    }

    static OnnxKernel MatMulInteger(OnnxNode node)
    {
        node.ExpectInputs(2, 4);
        return inputs =>
        {
            using var a = Centered(Host.Need(node, inputs, 0, "A"), inputs.Length > 2 ? inputs[2] : null, perRow: true);
            using var b = Centered(Host.Need(node, inputs, 1, "B"), inputs.Length > 3 ? inputs[3] : null, perRow: false);
            using var y = a.MatMul(b);
            return [y.To(DType.Int32)];
        };
    }

    static OnnxKernel QLinearMatMul(OnnxNode node)
    {
        node.ExpectInputs(8, 8);
        return inputs =>
        {
            using var a = Centered(Host.Need(node, inputs, 0, "a"), Host.Need(node, inputs, 2, "a_zero_point"), perRow: true);
            using var b = Centered(Host.Need(node, inputs, 3, "b"), Host.Need(node, inputs, 5, "b_zero_point"), perRow: false);
            using var acc = a.MatMul(b);
            double scale = OnnxTensors.ToDoubles(Host.Need(node, inputs, 1, "a_scale"))[0] * OnnxTensors.ToDoubles(Host.Need(node, inputs, 4, "b_scale"))[0];
            var yZp = Host.Need(node, inputs, 7, "y_zero_point");
            return [Requantize(acc, scale, OnnxTensors.ToDoubles(Host.Need(node, inputs, 6, "y_scale"))[0], yZp, NarrowRange(node))];
        };
    }

    /// <summary>round(acc · accScale / yScale) + zero point, saturated to the zero point's type.</summary>
    static Tensor Requantize(Tensor acc, double accScale, double yScale, Tensor yZp, (double Min, double Max)? narrow)
    {
        var range = narrow ?? Range(yZp.DType, "QLinear");
        double z = OnnxTensors.ToDoubles(yZp)[0];
        // The reference multiplies in float32.
        float factor = (float)accScale / (float)yScale;
        return Host.Map(acc, v => Saturate(Math.Round((float)v * factor) + z, range), yZp.DType);
    }

    static OnnxKernel ConvInteger(OnnxNode node)
    {
        node.ExpectInputs(2, 4);
        var conv = ConvOps.ConvKernel(node);
        return inputs =>
        {
            var w = Host.Need(node, inputs, 1, "w");
            using var x = Centered(Host.Need(node, inputs, 0, "x"), inputs.Length > 2 ? inputs[2] : null, perRow: false);
            using var wc = PerChannel(w, inputs.Length > 3 ? inputs[3] : null);
            using var y = conv([x, wc])[0]!;
            return [y.To(DType.Int32)];
        };
    }

    /// <summary>The weight minus its zero point (one per output channel, or one for all) in Float64.</summary>
    static Tensor PerChannel(Tensor w, Tensor? zp)
    {
        var wd = w.To(DType.Float64);
        if (zp is null) return wd;
        using (wd)
        {
            using var z = zp.To(DType.Float64);
            if (z.NumElements == 1) return wd.Sub(z);
            using var zz = z.Reshape([(int)z.NumElements, .. Enumerable.Repeat(1, w.Rank - 1)]);
            return wd.Sub(zz);
        }
    }

    static OnnxKernel QLinearConv(OnnxNode node)
    {
        node.ExpectInputs(8, 9);
        var conv = ConvOps.ConvKernel(node);
        return inputs =>
        {
            using var x = Centered(Host.Need(node, inputs, 0, "x"), Host.Need(node, inputs, 2, "x_zero_point"), perRow: false);
            using var w = PerChannel(Host.Need(node, inputs, 3, "w"), Host.Need(node, inputs, 5, "w_zero_point"));
            double xs = OnnxTensors.ToDoubles(Host.Need(node, inputs, 1, "x_scale"))[0];
            var wsv = OnnxTensors.ToDoubles(Host.Need(node, inputs, 4, "w_scale"));
            using var bias = inputs.Length > 8 && inputs[8] is { } b ? b.To(DType.Float64) : null;
            using var acc = conv([x, w, bias])[0]!;
            double ys = OnnxTensors.ToDoubles(Host.Need(node, inputs, 6, "y_scale"))[0];
            var yZp = Host.Need(node, inputs, 7, "y_zero_point");
            if (wsv.Length == 1) return [Requantize(acc, xs * wsv[0], ys, yZp, NarrowRange(node))];
            // Per-channel weight scales.
            using var scales = Tensor.FromArray(wsv.Select(s => s * xs / ys).ToArray(), wsv.Length);
            using var sc = scales.Reshape([wsv.Length, .. Enumerable.Repeat(1, acc.Rank - 2)]);
            using var scaled = acc.Mul(sc);
            return [Requantize(scaled, 1, 1, yZp, NarrowRange(node))];
        };
    }
}
