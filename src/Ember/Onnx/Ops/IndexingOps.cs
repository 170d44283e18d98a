using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Indexing: Gather, GatherElements, GatherND, Slice, ScatterElements, ScatterND, OneHot, NonZero.
/// Negative indices count from the end, as ONNX allows; out-of-range ones are errors.
/// </summary>
internal static class IndexingOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Gather"] = Gather;
        r["GatherElements"] = GatherElements;
        r["GatherND"] = GatherND;
        r["Slice"] = Slice;
        r["ScatterElements"] = n => ScatterElements(n, n.String("reduction", "none"));
        r["Scatter"] = n => ScatterElements(n, "none");
        r["ScatterND"] = ScatterND;
        r["OneHot"] = OneHot;
        r["NonZero"] = n => ElementwiseOps.Unary(n, NonZero);
    }

    /// <summary>The elements of <paramref name="x"/> at row-major flat positions, shaped <paramref name="shape"/>; keeps the dtype exactly.</summary>
    public static Tensor GatherFlat(Tensor x, long[] flat, int[] shape)
    {
        using var all = x.Reshape((int)x.NumElements);
        using var idx = OnnxTensors.FromLongs(flat, [flat.Length]);
        using var g = all.IndexSelect(0, idx);
        return g.Reshape(shape);
    }

    static long Normalize(long i, int size, string op, string what)
    {
        if (i < -size || i >= size) throw new ArgumentException($"{op}: index {i} is out of range for {what} of size {size}.");
        return i < 0 ? i + size : i;
    }

    static OnnxKernel Gather(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        long axisAttr = node.Int("axis", 0);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var indices = Host.Need(node, inputs, 1, "indices");
            int axis = Host.Axis(node, axisAttr, x.Rank);
            var shape = x.Shape;
            var idx = OnnxTensors.ToLongs(indices);
            for (int i = 0; i < idx.Length; i++) idx[i] = Normalize(idx[i], shape[axis], "Gather", $"axis {axis} of {Shapes.Format(shape)}");
            using var flat = OnnxTensors.FromLongs(idx, [idx.Length]);
            using var picked = x.IndexSelect(axis, flat);
            int[] outShape = [.. shape[..axis], .. indices.Shape, .. shape[(axis + 1)..]];
            return [picked.Reshape(outShape)];
        };
    }

    static OnnxKernel GatherElements(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        long axisAttr = node.Int("axis", 0);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var indices = Host.Need(node, inputs, 1, "indices");
            int axis = Host.Axis(node, axisAttr, x.Rank);
            int size = x.Shape[axis];
            var idx = OnnxTensors.ToLongs(indices);
            for (int i = 0; i < idx.Length; i++) idx[i] = Normalize(idx[i], size, "GatherElements", $"axis {axis}");
            using var t = OnnxTensors.FromLongs(idx, indices.Shape);
            return [x.Gather(axis, t)];
        };
    }

    static OnnxKernel GatherND(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        int batch = node.Int32("batch_dims", 0);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var indices = Host.Need(node, inputs, 1, "indices");
            var ds = x.Shape; var ishape = indices.Shape;
            int k = ishape[^1];
            if (batch + k > ds.Length) throw new ArgumentException($"GatherND: indices {Shapes.Format(ishape)} index {k} axes past batch_dims {batch} of data {Shapes.Format(ds)}.");
            var idx = OnnxTensors.ToLongs(indices);
            var dStrides = Host.Strides(ds);
            long sliceSize = 1; for (int d = batch + k; d < ds.Length; d++) sliceSize *= ds[d];
            long batchCount = 1; for (int d = 0; d < batch; d++) batchCount *= ds[d];
            long tuples = idx.Length / Math.Max(k, 1);
            if (k == 0) tuples = Shapes.Count(ishape[..^1]);
            long perBatch = tuples / Math.Max(batchCount, 1);
            var flat = new long[tuples * sliceSize];
            for (long t = 0; t < tuples; t++)
            {
                long b = t / Math.Max(perBatch, 1);
                long start = b * (batch > 0 ? dStrides[batch - 1] : 0);
                for (int j = 0; j < k; j++) start += Normalize(idx[t * k + j], ds[batch + j], "GatherND", $"data axis {batch + j}") * dStrides[batch + j];
                for (long s = 0; s < sliceSize; s++) flat[t * sliceSize + s] = start + s;
            }
            int[] outShape = [.. ishape[..^1], .. ds[(batch + k)..]];
            return [GatherFlat(x, flat, outShape)];
        };
    }

    static OnnxKernel Slice(OnnxNode node)
    {
        bool asInput = node.Opset >= 10;
        var attrStarts = asInput ? null : node.Ints("starts");
        var attrEnds = asInput ? null : node.Ints("ends");
        var attrAxes = asInput ? null : node.Ints("axes");
        node.ExpectInputs(asInput ? 3 : 1, asInput ? 5 : 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var starts = ShapeOps.IntsFrom(node, inputs, 1, attrStarts, asInput) ?? throw node.Error("has no starts");
            var ends = ShapeOps.IntsFrom(node, inputs, 2, attrEnds, asInput) ?? throw node.Error("has no ends");
            var axes = ShapeOps.IntsFrom(node, inputs, 3, attrAxes, asInput) ?? Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
            var steps = asInput ? ShapeOps.IntsFrom(node, inputs, 4, null, true) : null;
            if (ends.Length != starts.Length || axes.Length != starts.Length || (steps is not null && steps.Length != starts.Length))
                throw new ArgumentException($"Slice: starts, ends, axes and steps must have the same length, got {starts.Length}, {ends.Length}, {axes.Length} and {steps?.Length ?? starts.Length}.");
            var y = Host.Same(x);
            for (int i = 0; i < starts.Length; i++)
            {
                int axis = Host.Axis(node, axes[i], x.Rank, "axes");
                long step = steps?[i] ?? 1;
                if (step == 0) throw new ArgumentException("Slice: a step of 0 is not allowed.");
                long dim = x.Shape[axis];
                long s = starts[i], e = ends[i];
                if (s < 0) s += dim;
                if (e < 0) e += dim;
                Tensor next;
                if (step > 0)
                {
                    s = Math.Clamp(s, 0, dim); e = Math.Clamp(e, 0, dim);
                    next = y.Slice(axis, (int)s, (int)Math.Max(s, e), (int)Math.Min(step, int.MaxValue));
                }
                else
                {
                    s = Math.Clamp(s, 0, dim - 1); e = Math.Clamp(e, -1, dim - 1);
                    long count = s > e ? (s - e + (-step) - 1) / -step : 0;
                    var idx = new long[count];
                    for (long j = 0; j < count; j++) idx[j] = s + j * step;
                    using var t = OnnxTensors.FromLongs(idx, [idx.Length]);
                    next = y.IndexSelect(axis, t);
                }
                y.Dispose();
                y = next;
            }
            return [y];
        };
    }

    static OnnxKernel ScatterElements(OnnxNode node, string reduction)
    {
        node.ExpectInputs(3, 3);
        long axisAttr = node.Int("axis", 0);
        Func<double, double, double> combine = Combiner(node, reduction);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var indices = Host.Need(node, inputs, 1, "indices");
            var updates = Host.Need(node, inputs, 2, "updates");
            int axis = Host.Axis(node, axisAttr, x.Rank);
            if (!Shapes.SameShape(indices.Shape, updates.Shape) || indices.Rank != x.Rank)
                throw new ArgumentException($"ScatterElements: indices {Shapes.Format(indices.Shape)} and updates {Shapes.Format(updates.Shape)} must have the same shape and the rank of data {Shapes.Format(x.Shape)}.");
            var data = OnnxTensors.ToDoubles(x);
            var idx = OnnxTensors.ToLongs(indices);
            var upd = OnnxTensors.ToDoubles(updates);
            var ds = Host.Strides(x.Shape);
            var ishape = indices.Shape;
            var pos = new int[ishape.Length];
            for (long i = 0; i < idx.Length; i++)
            {
                long target = 0;
                for (int d = 0; d < pos.Length; d++)
                    target += (d == axis ? Normalize(idx[i], x.Shape[axis], "ScatterElements", $"axis {axis}") : pos[d]) * ds[d];
                data[target] = combine(data[target], upd[i]);
                for (int d = pos.Length - 1; d >= 0; d--) { if (++pos[d] < ishape[d]) break; pos[d] = 0; }
            }
            return [OnnxTensors.FromDoubles(data, x.Shape, x.DType)];
        };
    }

    static Func<double, double, double> Combiner(OnnxNode node, string reduction) => reduction switch
    {
        "none" => (_, u) => u,
        "add" => (a, u) => a + u,
        "mul" => (a, u) => a * u,
        "max" => Math.Max,
        "min" => Math.Min,
        _ => throw node.Error($"has reduction '{reduction}'; expected none, add, mul, max or min"),
    };

    static OnnxKernel ScatterND(OnnxNode node)
    {
        node.ExpectInputs(3, 3);
        var combine = Combiner(node, node.String("reduction", "none"));
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var indices = Host.Need(node, inputs, 1, "indices");
            var updates = Host.Need(node, inputs, 2, "updates");
            var ds = x.Shape; var ishape = indices.Shape;
            int k = ishape[^1];
            var data = OnnxTensors.ToDoubles(x);
            var idx = OnnxTensors.ToLongs(indices);
            var upd = OnnxTensors.ToDoubles(updates);
            var strides = Host.Strides(ds);
            long slice = 1; for (int d = k; d < ds.Length; d++) slice *= ds[d];
            long tuples = Shapes.Count(ishape[..^1]);
            if (upd.Length != tuples * slice)
                throw new ArgumentException($"ScatterND: updates {Shapes.Format(updates.Shape)} do not match indices {Shapes.Format(ishape)} into data {Shapes.Format(ds)}.");
            for (long t = 0; t < tuples; t++)
            {
                long start = 0;
                for (int j = 0; j < k; j++) start += Normalize(idx[t * k + j], ds[j], "ScatterND", $"data axis {j}") * strides[j];
                for (long s = 0; s < slice; s++) data[start + s] = combine(data[start + s], upd[t * slice + s]);
            }
            return [OnnxTensors.FromDoubles(data, ds, x.DType)];
        };
    }

    static OnnxKernel OneHot(OnnxNode node)
    {
        node.ExpectInputs(3, 3);
        long axisAttr = node.Int("axis", -1);
        return inputs =>
        {
            var indices = Host.Need(node, inputs, 0, "indices");
            var depthT = Host.Need(node, inputs, 1, "depth");
            var values = Host.Need(node, inputs, 2, "values");
            if (depthT.NumElements != 1) throw new ArgumentException($"OneHot: depth must be a scalar, got shape {Shapes.Format(depthT.Shape)}.");
            if (values.NumElements != 2) throw new ArgumentException($"OneHot: values must hold [off, on], got shape {Shapes.Format(values.Shape)}.");
            long depth = (long)OnnxTensors.ToDoubles(depthT)[0];
            if (depth < 1 || depth > int.MaxValue) throw new ArgumentException($"OneHot: depth {depth} must be positive.");
            var ov = OnnxTensors.ToDoubles(values);
            int rank = indices.Rank + 1;
            int axis = Host.Axis(node, axisAttr, rank);
            var ishape = indices.Shape;
            int[] outShape = [.. ishape[..axis], (int)depth, .. ishape[axis..]];
            var idx = OnnxTensors.ToDoubles(indices);
            long inner = 1; for (int d = axis; d < ishape.Length; d++) inner *= ishape[d];
            var y = new double[Shapes.Count(outShape)];
            Array.Fill(y, ov[0]);
            for (long i = 0; i < idx.Length; i++)
            {
                long c = (long)idx[i];
                if (c < 0) c += depth;
                if (c < 0 || c >= depth) continue;
                long outer = i / inner, rest = i % inner;
                y[(outer * depth + c) * inner + rest] = ov[1];
            }
            return [OnnxTensors.FromDoubles(y, outShape, values.DType)];
        };
    }

    static Tensor NonZero(Tensor x)
    {
        var v = OnnxTensors.ToDoubles(x);
        var shape = x.Shape;
        var hits = new List<long>();
        for (long i = 0; i < v.Length; i++) if (v[i] != 0) hits.Add(i);
        int r = shape.Length;
        var result = new long[r * hits.Count];
        var strides = Host.Strides(shape);
        for (int h = 0; h < hits.Count; h++)
        {
            long rem = hits[h];
            for (int d = 0; d < r; d++) { result[d * hits.Count + h] = rem / strides[d]; rem %= strides[d]; }
        }
        return OnnxTensors.FromLongs(result, [r, hits.Count]);
    }

    // ---- export ----

    /// <summary>Slice along one axis; an end at the axis' size becomes "to the end", so a sliced batch axis stays dynamic.</summary>
    internal static void ExportSlice(OnnxTracer t, Tensor x, Tensor y, int axis, int start, int end, int step)
    {
        if (start == 0 && end >= x.Shape[axis] && step == 1) { t.Alias(y, x); return; }
        long e = end >= x.Shape[axis] ? long.MaxValue : end;
        t.Emit("Slice", y, [t.In(x), t.Ints(start), t.Ints(e), t.Ints(axis), t.Ints(step)]);
    }

    /// <summary>Select (one index, the axis removed) as Gather with a scalar index.</summary>
    internal static void ExportSelect(OnnxTracer t, Tensor x, Tensor y, int axis, int index)
        => t.Emit("Gather", y, [t.In(x), t.IntScalar(index)], new Attr("axis", axis));

    /// <summary>Embedding lookup: Gather of rows of the weight.</summary>
    internal static void ExportEmbedding(OnnxTracer t, Tensor weight, Tensor indices, Tensor y)
        => t.Emit("Gather", y, [t.In(weight), t.In(indices)], new Attr("axis", 0));
}
