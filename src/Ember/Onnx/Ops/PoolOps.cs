using Ember.Backends.Cpu;
using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// MaxPool (with its Indices output), AveragePool and LpPool over any number of spatial axes with
/// ONNX's padding and ceil-mode rules, plus GlobalAveragePool/GlobalMaxPool/GlobalLpPool.
/// </summary>
internal static class PoolOps
{
    enum Kind { Max, Average, Lp }

    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["MaxPool"] = n => Pool(n, Kind.Max);
        r["AveragePool"] = n => Pool(n, Kind.Average);
        r["LpPool"] = n => Pool(n, Kind.Lp);
        r["GlobalAveragePool"] = n => Global(n, x => x.Mean(SpatialDims(x), keepDim: true));
        r["GlobalMaxPool"] = n => Global(n, x => x.AMax(SpatialDims(x), keepDim: true));
        r["GlobalLpPool"] = n =>
        {
            float p = n.Int("p", 2);
            return Global(n, x => x.Norm(p, SpatialDims(x), keepDim: true));
        };
    }

    static int[] SpatialDims(Tensor x) => Enumerable.Range(2, x.Rank - 2).ToArray();

    static OnnxKernel Global(OnnxNode node, Func<Tensor, Tensor> f)
        => ElementwiseOps.Float(node, x => x.Rank < 3
            ? throw new ArgumentException($"{node.OpType}: expected an input [N, C, ...] with spatial axes, got {Shapes.Format(x.Shape)}.")
            : f(x));

    static OnnxKernel Pool(OnnxNode node, Kind kind)
    {
        node.ExpectInputs(1, 1);
        var kernel = node.Ints32("kernel_shape") ?? throw node.Error("has no kernel_shape attribute");
        bool ceil = node.Int("ceil_mode", 0) != 0;
        bool includePad = node.Int("count_include_pad", 0) != 0;
        bool columnMajor = node.Int("storage_order", 0) != 0;
        double p = node.Int("p", 2);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            if (x.Rank != kernel.Length + 2)
                throw new ArgumentException($"{node.OpType}: input {Shapes.Format(x.Shape)} does not match kernel_shape [{string.Join(", ", kernel)}]; expected [N, C] plus {kernel.Length} spatial axes.");
            var g = WindowGeometry.Resolve(node, x.Shape[2..], kernel);
            bool wantIndices = node.OutputCount > 1 && node.Outputs[1].Length > 0;
            if (!wantIndices && Fast(x, g, kind, ceil, includePad) is { } y) return [y];
            return Run(x, g, kind, ceil, includePad, columnMajor, p, wantIndices);
        };
    }

    /// <summary>Ember's 2-d pooling kernels, where their (PyTorch's) rules coincide with ONNX's: even pads of at most half the window.</summary>
    static Tensor? Fast(Tensor x, WindowGeometry g, Kind kind, bool ceil, bool includePad)
    {
        if (x.Rank != 4 || !x.DType.IsFloatingPoint() || !g.SymmetricPads || kind == Kind.Lp) return null;
        for (int i = 0; i < 2; i++) if (2 * g.PadBegin[i] > g.Kernel[i]) return null;
        if (kind == Kind.Max) return x.MaxPool2d(g.Kernel, g.Strides, g.PadBegin, g.Dilations, ceil);
        if (g.Dilations.Any(d => d != 1)) return null;
        return x.AvgPool2d(g.Kernel, g.Strides, g.PadBegin, ceil, includePad);
    }

    static Tensor?[] Run(Tensor x, WindowGeometry g, Kind kind, bool ceil, bool includePad, bool columnMajor, double p, bool wantIndices)
    {
        var shape = x.Shape;
        int r = g.Rank;
        var spatial = shape[2..];
        var outSpatial = new int[r];
        for (int i = 0; i < r; i++)
        {
            int span = (g.Kernel[i] - 1) * g.Dilations[i] + 1;
            int room = spatial[i] + g.PadBegin[i] + g.PadEnd[i] - span;
            if (room < 0) throw new ArgumentException($"Pool: the window of {span} does not fit axis {i + 2} of {Shapes.Format(shape)} padded by ({g.PadBegin[i]}, {g.PadEnd[i]}).");
            int o = (ceil ? (room + g.Strides[i] - 1) / g.Strides[i] : room / g.Strides[i]) + 1;
            // A window that would start in the end padding is dropped.
            if (ceil && (o - 1) * g.Strides[i] >= spatial[i] + g.PadBegin[i]) o--;
            outSpatial[i] = o;
        }
        long planes = (long)shape[0] * shape[1];
        long inPlane = Shapes.Count(spatial), outPlane = Shapes.Count(outSpatial);
        var v = OnnxTensors.ToDoubles(x);
        var y = new double[planes * outPlane];
        var indices = wantIndices ? new long[planes * outPlane] : null;
        var inStrides = Host.Strides(spatial);
        var colStrides = new long[r];
        { long acc = 1; for (int i = 0; i < r; i++) { colStrides[i] = acc; acc *= spatial[i]; } }
        var outIdx = new int[r];
        var k = new int[r];
        long windowSize = Shapes.Count(g.Kernel);

        for (long o = 0; o < outPlane; o++)
        {
            // outIdx is the position of output element o.
            long rem = o;
            for (int i = r - 1; i >= 0; i--) { outIdx[i] = (int)(rem % outSpatial[i]); rem /= outSpatial[i]; }
            for (long plane = 0; plane < planes; plane++)
            {
                double acc = kind == Kind.Max ? double.NegativeInfinity : 0;
                long best = -1; int valid = 0, padded = 0;
                Array.Clear(k);
                for (long w = 0; w < windowSize; w++)
                {
                    long flat = 0, col = 0; bool inside = true, inPadded = true;
                    for (int i = 0; i < r; i++)
                    {
                        int pos = outIdx[i] * g.Strides[i] - g.PadBegin[i] + k[i] * g.Dilations[i];
                        if (pos < 0 || pos >= spatial[i]) inside = false;
                        if (pos < -g.PadBegin[i] || pos >= spatial[i] + g.PadEnd[i]) inPadded = false;
                        flat += pos * inStrides[i];
                        col += pos * colStrides[i];
                    }
                    if (inPadded) padded++;
                    if (inside)
                    {
                        valid++;
                        double e = v[plane * inPlane + flat];
                        switch (kind)
                        {
                            case Kind.Max: if (best < 0 || e > acc) { acc = e; best = columnMajor ? col : flat; } break;
                            case Kind.Average: acc += e; break;
                            case Kind.Lp: acc += Math.Pow(Math.Abs(e), p); break;
                        }
                    }
                    for (int i = r - 1; i >= 0; i--) { if (++k[i] < g.Kernel[i]) break; k[i] = 0; }
                }
                long at = plane * outPlane + o;
                y[at] = kind switch
                {
                    Kind.Average => acc / (includePad ? padded : Math.Max(valid, 1)),
                    Kind.Lp => Math.Pow(acc, 1 / p),
                    _ => acc,
                };
                if (indices is not null) indices[at] = plane * inPlane + Math.Max(best, 0);
            }
        }
        int[] outShape = [shape[0], shape[1], .. outSpatial];
        var result = OnnxTensors.FromDoubles(y, outShape, x.DType);
        return indices is null ? [result] : [result, OnnxTensors.FromLongs(indices, outShape)];
    }

    // ---- export ----

    /// <summary>MaxPool or AveragePool over a [N, C, H, W] input.</summary>
    internal static void ExportPool(OnnxTracer t, string op, Tensor x, Tensor y, PoolWindow w, bool ceilMode, bool countIncludePad)
    {
        var attrs = new List<Attr>
        {
            new("kernel_shape", new long[] { w.KH, w.KW }), new("strides", new long[] { w.SH, w.SW }),
            new("pads", new long[] { w.PH, w.PW, w.PH, w.PW }), new("ceil_mode", ceilMode ? 1L : 0L),
        };
        if (op == "MaxPool" && (w.DH != 1 || w.DW != 1)) attrs.Add(new("dilations", new long[] { w.DH, w.DW }));
        if (op == "AveragePool") attrs.Add(new("count_include_pad", countIncludePad ? 1L : 0L));
        t.Emit(op, y, [t.In(x)], attrs.ToArray());
    }

    /// <summary>
    /// Adaptive pooling: GlobalAverage/MaxPool for a 1×1 output, a plain pool when the size divides
    /// evenly. Other sizes have uneven bins (floor(i·H/OH) to ceil((i+1)·H/OH)), which no ONNX pool
    /// expresses; as the bins are rectangles, pooling over rows and then over columns gives the same
    /// result, so each output row is a Slice + Reduce over H, concatenated, and likewise over W.
    /// </summary>
    internal static void ExportAdaptive(OnnxTracer t, Tensor x, Tensor y, bool max)
    {
        int h = x.Shape[2], w = x.Shape[3], oh = y.Shape[2], ow = y.Shape[3];
        if (oh == 1 && ow == 1) { t.Emit(max ? "GlobalMaxPool" : "GlobalAveragePool", y, [t.In(x)]); return; }
        if (h % oh == 0 && w % ow == 0)
        {
            int kh = h / oh, kw = w / ow;
            t.Emit(max ? "MaxPool" : "AveragePool", y, [t.In(x)], new Attr("kernel_shape", new long[] { kh, kw }), new Attr("strides", new long[] { kh, kw }));
            return;
        }
        string rows = AdaptiveAxis(t, t.In(x), 2, h, oh, max);
        string both = AdaptiveAxis(t, rows, 3, w, ow, max);
        t.Emit("Identity", y, [both]);
    }

    /// <summary>Pools axis <paramref name="axis"/> of size <paramref name="size"/> into <paramref name="outSize"/> adaptive bins.</summary>
    static string AdaptiveAxis(OnnxTracer t, string x, int axis, int size, int outSize, bool max)
    {
        if (size == outSize) return x;
        var bins = new string?[outSize];
        for (int i = 0; i < outSize; i++)
        {
            long start = (long)i * size / outSize, end = ((long)(i + 1) * size + outSize - 1) / outSize;
            string bin = t.Emit("Slice", [x, t.Ints(start), t.Ints(end), t.Ints(axis)]);
            bins[i] = max ? ReduceMax(t, bin, axis) : ReductionOps.ReduceMean(t, bin, [axis], keepDim: true);
        }
        return t.Emit("Concat", bins, new Attr("axis", (long)axis));
    }

    /// <summary>ReduceMax keeping the axis; its axes are an attribute before opset 18 and an input from it.</summary>
    static string ReduceMax(OnnxTracer t, string x, int axis)
        => t.Opset >= 18
            ? t.Emit("ReduceMax", [x, t.Ints(axis)], new Attr("keepdims", 1L))
            : t.Emit("ReduceMax", [x], new Attr("axes", new long[] { axis }), new Attr("keepdims", 1L));
}
