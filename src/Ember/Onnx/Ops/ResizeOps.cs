using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Resize (and Upsample): nearest, linear and cubic interpolation over any axes, with every
/// coordinate transformation mode, antialiasing, exclude_outside, axes and keep_aspect_ratio_policy.
/// Interpolation is separable, so it runs one axis at a time, last axis first, as ONNX's reference does.
/// </summary>
internal static class ResizeOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Resize"] = Resize;
        r["Upsample"] = Upsample;
    }

    sealed record Settings(string Mode, string Transform, string Nearest, double CubicA, bool ExcludeOutside, double Extrapolation, bool Antialias);

    static OnnxKernel Resize(OnnxNode node)
    {
        bool legacy = node.Opset < 11;
        var s = new Settings(
            node.String("mode", "nearest"),
            legacy ? "asymmetric" : node.String("coordinate_transformation_mode", "half_pixel"),
            legacy ? "floor" : node.String("nearest_mode", "round_prefer_floor"),
            node.Float("cubic_coeff_a", -0.75f),
            node.Int("exclude_outside", 0) != 0,
            node.Float("extrapolation_value", 0f),
            node.Int("antialias", 0) != 0);
        Validate(node, s);
        var axesAttr = node.Ints("axes");
        string policy = node.String("keep_aspect_ratio_policy", "stretch");
        if (policy is not ("stretch" or "not_larger" or "not_smaller")) throw node.Error($"has keep_aspect_ratio_policy '{policy}'");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            int rank = x.Rank;
            var axes = axesAttr?.Select(a => Host.Axis(node, a, rank, "axes")).ToArray() ?? Enumerable.Range(0, rank).ToArray();
            Tensor? roi = legacy ? null : Optional(inputs, 1);
            Tensor? scales = Optional(inputs, legacy ? 1 : 2);
            Tensor? sizes = legacy ? null : Optional(inputs, 3);
            var shape = x.Shape;
            var scale = new double[rank];
            var outShape = (int[])shape.Clone();
            Array.Fill(scale, 1.0);
            if (sizes is not null)
            {
                var sz = OnnxTensors.ToLongs(sizes);
                if (sz.Length != axes.Length) throw new ArgumentException($"Resize: sizes [{string.Join(", ", sz)}] should have one value per axis ({axes.Length}).");
                if (policy == "stretch")
                    for (int i = 0; i < axes.Length; i++) { outShape[axes[i]] = checked((int)sz[i]); scale[axes[i]] = (double)sz[i] / shape[axes[i]]; }
                else
                {
                    var ratios = axes.Select((a, i) => (double)sz[i] / shape[a]);
                    double common = policy == "not_larger" ? ratios.Min() : ratios.Max();
                    foreach (var a in axes) { scale[a] = common; outShape[a] = (int)(common * shape[a] + 0.5); }
                }
            }
            else if (scales is not null)
            {
                var sc = OnnxTensors.ToDoubles(scales);
                if (sc.Length != axes.Length) throw new ArgumentException($"Resize: scales [{string.Join(", ", sc)}] should have one value per axis ({axes.Length}).");
                for (int i = 0; i < axes.Length; i++)
                {
                    if (!(sc[i] > 0)) throw new ArgumentException($"Resize: scale {sc[i]} must be positive.");
                    scale[axes[i]] = sc[i];
                    outShape[axes[i]] = (int)(sc[i] * shape[axes[i]]);
                }
            }
            else throw new ArgumentException("Resize: give either scales or sizes.");

            var roiStart = new double[rank]; var roiEnd = new double[rank];
            Array.Fill(roiEnd, 1.0);
            if (roi is not null && s.Transform == "tf_crop_and_resize")
            {
                var rv = OnnxTensors.ToDoubles(roi);
                int n = rv.Length / 2;
                var roiAxes = n == axes.Length ? axes : Enumerable.Range(0, rank).ToArray();
                for (int i = 0; i < n && i < roiAxes.Length; i++) { roiStart[roiAxes[i]] = rv[i]; roiEnd[roiAxes[i]] = rv[n + i]; }
            }
            return [Run(x, outShape, scale, roiStart, roiEnd, s)];
        };
    }

    static OnnxKernel Upsample(OnnxNode node)
    {
        var s = new Settings(node.String("mode", "nearest"), "asymmetric", "floor", -0.75, false, 0, false);
        Validate(node, s);
        var attrScales = node.Floats("scales");
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var sc = attrScales?.Select(v => (double)v).ToArray() ?? OnnxTensors.ToDoubles(Host.Need(node, inputs, 1, "scales"));
            if (sc.Length != x.Rank) throw new ArgumentException($"Upsample: scales [{string.Join(", ", sc)}] should have one value per axis of {Shapes.Format(x.Shape)}.");
            var outShape = x.Shape.Select((d, i) => (int)(d * sc[i])).ToArray();
            return [Run(x, outShape, sc, new double[x.Rank], Enumerable.Repeat(1.0, x.Rank).ToArray(), s)];
        };
    }

    static Tensor? Optional(Tensor?[] inputs, int i) => i < inputs.Length && inputs[i] is { } t && t.NumElements > 0 ? t : null;

    static void Validate(OnnxNode node, Settings s)
    {
        if (s.Mode is not ("nearest" or "linear" or "cubic" or "bilinear" or "trilinear"))
            throw node.Error($"has mode '{s.Mode}'; expected nearest, linear or cubic");
        if (s.Transform is not ("half_pixel" or "half_pixel_symmetric" or "pytorch_half_pixel" or "align_corners" or "asymmetric" or "tf_crop_and_resize" or "tf_half_pixel_for_nn"))
            throw node.Error($"has coordinate_transformation_mode '{s.Transform}'");
        if (s.Nearest is not ("round_prefer_floor" or "round_prefer_ceil" or "floor" or "ceil"))
            throw node.Error($"has nearest_mode '{s.Nearest}'");
    }

    static Tensor Run(Tensor x, int[] outShape, double[] scale, double[] roiStart, double[] roiEnd, Settings s)
    {
        var shape = x.Shape;
        var data = OnnxTensors.ToDoubles(x);
        var cur = (int[])shape.Clone();
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            if (outShape[axis] == shape[axis] && scale[axis] == 1 && s.Transform != "tf_crop_and_resize") continue;
            data = ResizeAxis(data, cur, axis, outShape[axis], scale[axis], roiStart[axis], roiEnd[axis], s);
            cur[axis] = outShape[axis];
        }
        var result = OnnxTensors.FromDoubles(data, outShape, x.DType.IsFloatingPoint() ? x.DType : DType.Float64);
        if (x.DType.IsFloatingPoint()) return result;
        // Integer images round to the nearest value.
        using (result) return Host.Map(result, Math.Round, x.DType);
    }

    static double[] ResizeAxis(double[] data, int[] shape, int axis, int outLen, double scale, double roiStart, double roiEnd, Settings s)
    {
        int inLen = shape[axis];
        long inner = 1; for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        long outer = 1; for (int d = 0; d < axis; d++) outer *= shape[d];
        var result = new double[outer * outLen * inner];
        // Per output position: the source indices and weights, or null to extrapolate.
        var taps = new (int[] Index, double[] Weight)?[outLen];
        for (int o = 0; o < outLen; o++) taps[o] = Taps(o, inLen, outLen, scale, roiStart, roiEnd, s);
        for (long a = 0; a < outer; a++)
            for (int o = 0; o < outLen; o++)
            {
                var t = taps[o];
                for (long i = 0; i < inner; i++)
                {
                    double v;
                    if (t is not { } tap) v = s.Extrapolation;
                    else
                    {
                        v = 0;
                        for (int k = 0; k < tap.Index.Length; k++) if (tap.Weight[k] != 0) v += tap.Weight[k] * data[(a * inLen + tap.Index[k]) * inner + i];
                    }
                    result[(a * outLen + o) * inner + i] = v;
                }
            }
        return result;
    }

    static (int[] Index, double[] Weight)? Taps(int o, int inLen, int outLen, double scale, double roiStart, double roiEnd, Settings s)
    {
        double outWidth = scale * inLen;
        double x;
        switch (s.Transform)
        {
            case "align_corners": x = outWidth == 1 ? 0 : o * (inLen - 1) / (outWidth - 1); break;
            case "asymmetric": x = o / scale; break;
            case "tf_crop_and_resize":
                x = outWidth == 1 ? (roiEnd - roiStart) * (inLen - 1) / 2 : o * (roiEnd - roiStart) * (inLen - 1) / (outWidth - 1);
                x += roiStart * (inLen - 1);
                if (x < 0 || x > inLen - 1) return null;
                break;
            case "pytorch_half_pixel": x = outWidth == 1 ? -0.5 : (o + 0.5) / scale - 0.5; break;
            case "half_pixel_symmetric":
            {
                double adjustment = outLen / outWidth, center = inLen / 2.0, offset = center * (1 - adjustment);
                x = offset + (o + 0.5) / scale - 0.5;
                break;
            }
            case "tf_half_pixel_for_nn": x = (o + 0.5) / scale; break;
            default: x = (o + 0.5) / scale - 0.5; break;
        }
        double floor = Math.Floor(x);
        // The ratio lies in (0, 1]: an exact hit counts as the right end of the interval to its left.
        double ratio = x == floor ? 1 : x - floor;
        var coeffs = Coefficients(ratio, scale, s);
        int n = coeffs.Length;
        var idx = Neighbours(x, n, inLen);
        var weights = (double[])coeffs.Clone();
        if (s.ExcludeOutside)
        {
            double sum = 0;
            for (int k = 0; k < n; k++) { if (idx[k] < 0 || idx[k] >= inLen) weights[k] = 0; sum += weights[k]; }
            if (sum != 0) for (int k = 0; k < n; k++) weights[k] /= sum;
        }
        var clamped = idx.Select(i => Math.Clamp(i, 0, inLen - 1)).ToArray();
        return (clamped, weights);
    }

    /// <summary>The n grid points nearest to x (ties to the lower index), in increasing order, on the edge-padded axis.</summary>
    static int[] Neighbours(double x, int n, int inLen)
    {
        int pad = (n + 1) / 2;
        int lo = -pad, hi = inLen + pad - 1;
        var candidates = new List<int>();
        for (int i = (int)Math.Floor(x) - n; i <= (int)Math.Floor(x) + n + 1; i++) if (i >= lo && i <= hi) candidates.Add(i);
        return candidates.OrderBy(i => Math.Abs(x - i)).ThenBy(i => i).Take(n).Order().ToArray();
    }

    static double[] Coefficients(double ratio, double scale, Settings s)
    {
        switch (s.Mode)
        {
            case "nearest":
                if (ratio == 1) return [0, 1];
                return s.Nearest switch
                {
                    "round_prefer_floor" => ratio <= 0.5 ? [1, 0] : [0, 1],
                    "round_prefer_ceil" => ratio < 0.5 ? [1, 0] : [0, 1],
                    "floor" => [1, 0],
                    _ => [0, 1],
                };
            case "cubic":
                return s.Antialias ? CubicAntialias(ratio, scale, s.CubicA) : Cubic(ratio, s.CubicA);
            default:
                return s.Antialias ? LinearAntialias(ratio, scale) : [1 - ratio, ratio];
        }
    }

    static double[] Cubic(double r, double a) =>
    [
        ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
        ((a + 2) * r - (a + 3)) * r * r + 1,
        ((a + 2) * (1 - r) - (a + 3)) * (1 - r) * (1 - r) + 1,
        ((a * (2 - r) - 5 * a) * (2 - r) + 8 * a) * (2 - r) - 4 * a,
    ];

    static double[] LinearAntialias(double ratio, double scale)
    {
        scale = Math.Min(scale, 1);
        int start = (int)Math.Floor(-1 / scale) + 1, footprint = 2 - 2 * start;
        var c = new double[footprint];
        for (int i = 0; i < footprint; i++) c[i] = Math.Clamp(1 - Math.Abs((start + i - ratio) * scale), 0, 1);
        double sum = c.Sum();
        return c.Select(v => v / sum).ToArray();
    }

    static double[] CubicAntialias(double ratio, double scale, double a)
    {
        scale = Math.Min(scale, 1);
        int start = (int)Math.Floor(-2 / scale) + 1, end = 2 - start;
        var c = new double[end - start];
        for (int i = start; i < end; i++)
        {
            double x = Math.Abs(scale * (i - ratio)), x2 = x * x, x3 = x2 * x;
            c[i - start] = x <= 1 ? (a + 2) * x3 - (a + 3) * x2 + 1 : x < 2 ? a * x3 - 5 * a * x2 + 8 * a * x - 4 * a : 0;
        }
        double sum = c.Sum();
        return c.Select(v => v / sum).ToArray();
    }

    // ---- export ----

    /// <summary>
    /// Interpolate as Resize with per-axis scales (so the batch axis stays dynamic): nearest as PyTorch's
    /// floor(dst·in/out), linear and bilinear with align_corners or pytorch_half_pixel coordinates.
    /// </summary>
    internal static void ExportResize(OnnxTracer t, Tensor x, Tensor y, bool linear, bool alignCorners)
    {
        var scales = new float[x.Rank];
        for (int i = 0; i < x.Rank; i++) scales[i] = i < 2 ? 1 : (float)y.Shape[i] / x.Shape[i];
        string scalesName;
        using (OnnxTrace.Suppress())
        using (var s = Tensor.FromArray(scales, x.Rank)) scalesName = t.Constant(s, "scales");
        var attrs = linear
            ? new[] { new Attr("mode", "linear"), new Attr("coordinate_transformation_mode", alignCorners ? "align_corners" : "pytorch_half_pixel") }
            : [new Attr("mode", "nearest"), new Attr("coordinate_transformation_mode", "asymmetric"), new Attr("nearest_mode", "floor")];
        t.Emit("Resize", y, [t.In(x), "", scalesName], attrs);
    }
}
