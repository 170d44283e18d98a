using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>Concat, Split, Tile and Pad (constant, reflect, edge, wrap).</summary>
internal static class JoiningOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Concat"] = Concat;
        r["Split"] = Split;
        r["Tile"] = Tile;
        r["Pad"] = Pad;
    }

    static OnnxKernel Concat(OnnxNode node)
    {
        if (node.InputCount < 1) throw node.Error("needs at least one input");
        long axisAttr = node.Opset < 4 ? node.Int("axis", 1) : node.IntOrNull("axis") ?? throw node.Error("has no axis attribute");
        return inputs =>
        {
            var xs = inputs.Select((t, i) => t ?? throw node.Error($"is missing its input {i}")).ToArray();
            int axis = Host.Axis(node, axisAttr, xs[0].Rank);
            return [Tensor.Cat(xs, axis)];
        };
    }

    static OnnxKernel Split(OnnxNode node)
    {
        bool asInput = node.Opset >= 13;
        long axisAttr = node.Int("axis", 0);
        var attrSplit = asInput ? null : node.Ints("split");
        long? numOutputs = node.IntOrNull("num_outputs");
        int outputs = node.OutputCount;
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            int axis = Host.Axis(node, axisAttr, x.Rank);
            int dim = x.Shape[axis];
            var sizes = ShapeOps.IntsFrom(node, inputs, 1, attrSplit, asInput) is { } s ? Host.ToInts(node, s, "split") : null;
            if (sizes is null)
            {
                int n = (int)(numOutputs ?? outputs);
                if (n < 1) throw node.Error("has no outputs to split into");
                // Opset 18's num_outputs allows a smaller last chunk; before that the split must be even.
                int chunk = numOutputs is null ? (dim % n == 0 ? dim / n : throw new ArgumentException($"Split: axis {axis} of size {dim} does not split evenly into {n} outputs."))
                    : (dim + n - 1) / n;
                sizes = new int[n];
                for (int i = 0; i < n; i++) sizes[i] = Math.Max(0, Math.Min(chunk, dim - i * chunk));
            }
            if (sizes.Sum() != dim || sizes.Any(v => v < 0))
                throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] do not add up to axis {axis} of size {dim} (input {Shapes.Format(x.Shape)}).");
            var parts = new Tensor?[sizes.Length];
            int start = 0;
            for (int i = 0; i < sizes.Length; i++) { parts[i] = x.Narrow(axis, start, sizes[i]); start += sizes[i]; }
            return parts;
        };
    }

    static OnnxKernel Tile(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            var repeats = OnnxTensors.ToLongs(Host.Need(node, inputs, 1, "repeats"));
            var shape = x.Shape;
            if (repeats.Length != shape.Length || repeats.Any(r => r < 0))
                throw new ArgumentException($"Tile: repeats [{string.Join(", ", repeats)}] must hold one non-negative count per axis of {Shapes.Format(shape)}.");
            var outShape = shape.Select((d, i) => checked((int)(d * repeats[i]))).ToArray();
            return [IndexingOps.GatherFlat(x, SourceIndex(shape, outShape, (d, o) => o % shape[d]), outShape)];
        };
    }

    /// <summary>For each output element, the row-major flat index of the input element it copies (or −1).</summary>
    static long[] SourceIndex(int[] shape, int[] outShape, Func<int, long, long> source)
    {
        long n = Shapes.Count(outShape);
        var result = new long[n];
        var strides = Host.Strides(shape);
        var pos = new long[outShape.Length];
        for (long i = 0; i < n; i++)
        {
            long flat = 0;
            for (int d = 0; d < pos.Length; d++)
            {
                long s = source(d, pos[d]);
                if (s < 0) { flat = -1; break; }
                flat += s * strides[d];
            }
            result[i] = flat;
            for (int d = pos.Length - 1; d >= 0; d--) { if (++pos[d] < outShape[d]) break; pos[d] = 0; }
        }
        return result;
    }

    static OnnxKernel Pad(OnnxNode node)
    {
        string mode = node.String("mode", "constant");
        if (mode is not ("constant" or "reflect" or "edge" or "wrap")) throw node.Error($"has mode '{mode}'; expected constant, reflect, edge or wrap");
        bool asInput = node.Opset >= 11;
        var attrPads = asInput ? null : node.Ints(node.Opset < 2 ? "paddings" : "pads");
        double attrValue = asInput ? 0 : node.Float("value", 0f);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var pads = ShapeOps.IntsFrom(node, inputs, 1, attrPads, asInput) ?? throw node.Error("has no pads");
            double value = asInput && inputs.Length > 2 && inputs[2] is { } v && v.NumElements > 0 ? OnnxTensors.ToDoubles(v)[0] : attrValue;
            int r = x.Rank;
            var axes = asInput && inputs.Length > 3 && inputs[3] is { } a
                ? OnnxTensors.ToLongs(a).Select(ax => Host.Axis(node, ax, r, "axes")).ToArray()
                : Enumerable.Range(0, r).ToArray();
            if (pads.Length != 2 * axes.Length)
                throw new ArgumentException($"Pad: pads [{string.Join(", ", pads)}] should hold {2 * axes.Length} values for {axes.Length} axes of {Shapes.Format(x.Shape)}.");
            var begin = new long[r]; var end = new long[r];
            for (int i = 0; i < axes.Length; i++) { begin[axes[i]] = pads[i]; end[axes[i]] = pads[axes.Length + i]; }
            var shape = x.Shape;
            if (mode == "constant")
            {
                var pairs = new int[2 * r];
                for (int i = 0; i < r; i++) { pairs[2 * i] = checked((int)begin[r - 1 - i]); pairs[2 * i + 1] = checked((int)end[r - 1 - i]); }
                return [x.Pad(pairs, value)];
            }
            var outShape = shape.Select((d, i) => checked((int)(d + begin[i] + end[i]))).ToArray();
            if (outShape.Any(d => d < 0)) throw new ArgumentException($"Pad: pads [{string.Join(", ", pads)}] leave a negative size for {Shapes.Format(shape)}.");
            for (int d = 0; d < r; d++)
                if (shape[d] == 0 && outShape[d] > 0) throw new ArgumentException($"Pad: mode '{mode}' cannot pad the empty axis {d} of {Shapes.Format(shape)}.");
            var src = SourceIndex(shape, outShape, (d, o) => Source(mode, o - begin[d], shape[d]));
            return [IndexingOps.GatherFlat(x, src, outShape)];
        };
    }

    static long Source(string mode, long i, int n)
    {
        if (i >= 0 && i < n) return i;
        switch (mode)
        {
            case "edge": return Math.Clamp(i, 0, n - 1);
            case "wrap": return ((i % n) + n) % n;
            default:
                if (n == 1) return 0;
                long period = 2 * (n - 1);
                long m = ((i % period) + period) % period;
                return m < n ? m : period - m;
        }
    }

    // ---- export ----

    internal static void ExportConcat(OnnxTracer t, Tensor[] inputs, Tensor y, int axis)
        => t.Emit("Concat", y, inputs.Where(i => i.Rank == y.Rank).Select(i => t.As(i, y.DType)).ToArray(), new Attr("axis", (long)axis));

    /// <summary>Stack: each input unsqueezed at the new axis, then Concat.</summary>
    internal static void ExportStack(OnnxTracer t, Tensor[] inputs, Tensor y, int axis)
    {
        var axes = t.Ints(axis);
        var parts = inputs.Select(i => t.Emit("Unsqueeze", [t.As(i, y.DType), axes])).ToArray();
        t.Emit("Concat", y, parts, new Attr("axis", (long)axis));
    }

    /// <summary>Constant padding; <paramref name="pad"/> is PyTorch's (before, after) pairs from the last dim, negative amounts crop.</summary>
    internal static void ExportPad(OnnxTracer t, Tensor x, Tensor y, int[] pad, double value)
    {
        var pads = new long[2 * x.Rank];
        for (int p = 0; p < pad.Length / 2; p++)
        {
            int d = x.Rank - 1 - p;
            pads[d] = pad[2 * p];
            pads[x.Rank + d] = pad[2 * p + 1];
        }
        t.Emit("Pad", y, [t.In(x), t.Ints(pads), t.Scalar(value, x.DType)], new Attr("mode", "constant"));
    }
}
