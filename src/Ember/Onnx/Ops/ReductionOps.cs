using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Reduce* (Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp) and ArgMax/ArgMin.
/// Axes come from an attribute up to opset 12 (ReduceSum) or 17 (the rest) and from an input after.
/// Empty reductions give the identity (0 for sums, 1 for Prod, ∓inf for Max/Min).
/// </summary>
internal static class ReductionOps
{
    enum Kind { Sum, Mean, Max, Min, Prod, SumSquare, L1, L2, LogSum, LogSumExp }

    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        foreach (var kind in Enum.GetValues<Kind>())
        {
            var k = kind;
            r["Reduce" + k] = n => Reduce(n, k);
        }
        r["ArgMax"] = n => Arg(n, max: true);
        r["ArgMin"] = n => Arg(n, max: false);
    }

    static OnnxKernel Reduce(OnnxNode node, Kind kind)
    {
        bool axesAsInput = node.Opset >= (kind == Kind.Sum ? 13 : 18);
        bool keepDims = node.Int("keepdims", 1) != 0;
        bool noop = node.Int("noop_with_empty_axes", 0) != 0;
        long[]? attrAxes = axesAsInput ? null : node.Ints("axes");
        node.ExpectInputs(1, axesAsInput ? 2 : 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            long[] axes = axesAsInput ? (inputs.Length > 1 && inputs[1] is { } a ? OnnxTensors.ToLongs(a) : []) : attrAxes ?? [];
            if (axes.Length == 0 && noop) return [Host.Same(x)];
            var reduce = new bool[x.Rank];
            if (axes.Length == 0) Array.Fill(reduce, true);
            foreach (var ax in axes) reduce[Host.Axis(node, ax, x.Rank, "axes")] = true;
            return [Run(x, reduce, keepDims, kind)];
        };
    }

    static Tensor Run(Tensor x, bool[] reduce, bool keepDims, Kind kind)
    {
        var shape = x.Shape;
        var outShape = new int[shape.Length];
        for (int d = 0; d < shape.Length; d++) outShape[d] = reduce[d] ? 1 : shape[d];
        long outCount = Shapes.Count(outShape);
        long count = 1;
        for (int d = 0; d < shape.Length; d++) if (reduce[d]) count *= shape[d];
        var v = OnnxTensors.ToDoubles(x);

        double init = kind switch { Kind.Max or Kind.LogSumExp => double.NegativeInfinity, Kind.Min => double.PositiveInfinity, Kind.Prod => 1, _ => 0 };
        var acc = new double[outCount];
        Array.Fill(acc, init);
        var map = OutputIndex(shape, outShape);
        if (kind == Kind.LogSumExp)
        {
            // Subtract each slice's maximum before exponentiating.
            var max = new double[outCount];
            Array.Fill(max, double.NegativeInfinity);
            for (int i = 0; i < v.Length; i++) max[map[i]] = Math.Max(max[map[i]], v[i]);
            Array.Fill(acc, 0);
            for (int i = 0; i < v.Length; i++) { double m = max[map[i]]; acc[map[i]] += double.IsInfinity(m) ? Math.Exp(v[i]) : Math.Exp(v[i] - m); }
            for (int o = 0; o < outCount; o++) acc[o] = double.IsInfinity(max[o]) ? Math.Log(acc[o]) : Math.Log(acc[o]) + max[o];
        }
        else
        {
            for (int i = 0; i < v.Length; i++)
            {
                ref double a = ref acc[map[i]];
                double e = v[i];
                a = kind switch
                {
                    Kind.Max => double.IsNaN(e) || e > a ? e : a,
                    Kind.Min => double.IsNaN(e) || e < a ? e : a,
                    Kind.Prod => a * e,
                    Kind.SumSquare or Kind.L2 => a + e * e,
                    Kind.L1 => a + Math.Abs(e),
                    _ => a + e,
                };
            }
            for (int o = 0; o < outCount; o++)
                acc[o] = kind switch
                {
                    Kind.Mean => acc[o] / count,
                    Kind.L2 => Math.Sqrt(acc[o]),
                    Kind.LogSum => Math.Log(acc[o]),
                    _ => acc[o],
                };
        }
        var final = keepDims ? outShape : shape.Where((_, d) => !reduce[d]).ToArray();
        return OnnxTensors.FromDoubles(acc, final, x.DType);
    }

    /// <summary>For each input element (row-major), the flat index of the output element it reduces into.</summary>
    static int[] OutputIndex(int[] shape, int[] outShape)
    {
        long n = Shapes.Count(shape);
        var map = new int[n];
        var outStrides = Host.Strides(outShape);
        var idx = new int[shape.Length];
        long o = 0;
        for (long i = 0; i < n; i++)
        {
            map[i] = (int)o;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                idx[d]++;
                if (outShape[d] != 1) o += outStrides[d];
                if (idx[d] < shape[d]) break;
                if (outShape[d] != 1) o -= outStrides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return map;
    }

    static OnnxKernel Arg(OnnxNode node, bool max)
    {
        long axisAttr = node.Int("axis", 0);
        bool keepDims = node.Int("keepdims", 1) != 0;
        bool last = node.Int("select_last_index", 0) != 0;
        node.ExpectInputs(1, 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            int axis = Host.Axis(node, axisAttr, x.Rank);
            var shape = x.Shape;
            int len = shape[axis];
            if (len == 0) throw new ArgumentException($"{node.OpType}: cannot take the index over axis {axis} of size 0 (shape {Shapes.Format(shape)}).");
            long inner = 1; for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
            long outer = Shapes.Count(shape) / (len * inner);
            var v = OnnxTensors.ToDoubles(x);
            var result = new long[outer * inner];
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                {
                    long best = 0; double bv = v[o * len * inner + i];
                    for (long k = 1; k < len; k++)
                    {
                        double e = v[(o * len + k) * inner + i];
                        bool better = max ? (last ? e >= bv : e > bv) : (last ? e <= bv : e < bv);
                        if (better) { best = k; bv = e; }
                    }
                    result[o * inner + i] = best;
                }
            var outShape = (int[])shape.Clone();
            outShape[axis] = 1;
            if (!keepDims) outShape = outShape.Where((_, d) => d != axis).ToArray();
            return [OnnxTensors.FromLongs(result, outShape)];
        };
    }

    // ---- export ----

    /// <summary>ReduceSum over the given axes (its axes are an input from opset 13).</summary>
    internal static void ExportSum(OnnxTracer t, Tensor x, Tensor y, int[] axes, bool keepDim)
    {
        var input = t.As(x, y.DType);
        if (axes.Length == 0) { t.Alias(y, x); return; }
        t.Emit("ReduceSum", y, [input, t.Ints(axes.Select(a => (long)a).ToArray())], new Attr("keepdims", keepDim ? 1L : 0L));
    }

    /// <summary>ReduceMean, with axes as an attribute before opset 18 and as an input from it.</summary>
    internal static string ReduceMean(OnnxTracer t, string x, long[] axes, bool keepDim)
        => t.Opset >= 18
            ? t.Emit("ReduceMean", [x, t.Ints(axes)], new Attr("keepdims", keepDim ? 1L : 0L))
            : t.Emit("ReduceMean", [x], new Attr("axes", axes), new Attr("keepdims", keepDim ? 1L : 0L));

    /// <summary>Var and Std with Bessel's correction: Σ(x − mean)² / (n − correction), then Sqrt for Std.</summary>
    internal static void ExportMoment(OnnxTracer t, Tensor x, Tensor y, int[] axes, bool keepDim, long divisor, bool std)
    {
        var xi = t.As(x, y.DType);
        var ax = axes.Select(a => (long)a).ToArray();
        var centered = t.Emit("Sub", [xi, ReduceMean(t, xi, ax, keepDim: true)]);
        var sum = t.Emit("ReduceSum", [t.Emit("Mul", [centered, centered]), t.Ints(ax)], new Attr("keepdims", keepDim ? 1L : 0L));
        var variance = t.Emit("Div", [sum, t.Scalar(Math.Max(0, divisor), y.DType)]);
        t.Bind(y, std ? t.Emit("Sqrt", [variance]) : variance);
    }
}
