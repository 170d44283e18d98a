using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>Shape manipulation: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Expand, Shape, Size, DepthToSpace, SpaceToDepth.</summary>
internal static class ShapeOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Reshape"] = Reshape;
        r["Flatten"] = Flatten;
        r["Transpose"] = Transpose;
        r["Squeeze"] = Squeeze;
        r["Unsqueeze"] = Unsqueeze;
        r["Expand"] = Expand;
        r["Shape"] = ShapeOf;
        r["Size"] = n => ElementwiseOps.Unary(n, x => Tensor.Scalar(x.NumElements));
        r["DepthToSpace"] = DepthToSpace;
        r["SpaceToDepth"] = SpaceToDepth;
    }

    static int BlockSize(OnnxNode node)
    {
        int b = node.Int32("blocksize", 0);
        if (b < 1) throw node.Error($"has blocksize {b}; expected a positive block size");
        return b;
    }

    /// <summary>[N, C, H, W] → [N, C/b², H·b, W·b]; DCR takes the block from the outer channel bits, CRD (PixelShuffle) from the inner.</summary>
    static OnnxKernel DepthToSpace(OnnxNode node)
    {
        int b = BlockSize(node);
        string mode = node.String("mode", "DCR");
        if (mode is not ("DCR" or "CRD")) throw node.Error($"has mode '{mode}'; expected DCR or CRD");
        return ElementwiseOps.Unary(node, x =>
        {
            if (x.Rank != 4 || x.Shape[1] % (b * b) != 0)
                throw new ArgumentException($"DepthToSpace: expected [N, C, H, W] with C divisible by {b * b}, got {Shapes.Format(x.Shape)}.");
            int n = x.Shape[0], c = x.Shape[1] / (b * b), h = x.Shape[2], w = x.Shape[3];
            if (mode == "CRD") return x.PixelShuffle(b);
            using var split = x.Reshape(n, b, b, c, h, w);
            using var moved = split.Permute(0, 3, 4, 1, 5, 2);
            return moved.Reshape(n, c, h * b, w * b);
        });
    }

    /// <summary>[N, C, H, W] → [N, C·b², H/b, W/b], the inverse of DepthToSpace in DCR mode.</summary>
    static OnnxKernel SpaceToDepth(OnnxNode node)
    {
        int b = BlockSize(node);
        return ElementwiseOps.Unary(node, x =>
        {
            if (x.Rank != 4 || x.Shape[2] % b != 0 || x.Shape[3] % b != 0)
                throw new ArgumentException($"SpaceToDepth: expected [N, C, H, W] with H and W divisible by {b}, got {Shapes.Format(x.Shape)}.");
            int n = x.Shape[0], c = x.Shape[1], h = x.Shape[2] / b, w = x.Shape[3] / b;
            using var split = x.Reshape(n, c, h, b, w, b);
            using var moved = split.Permute(0, 3, 5, 1, 2, 4);
            return moved.Reshape(n, c * b * b, h, w);
        });
    }

    /// <summary>Ints from an attribute (old opsets) or from an input (new ones); null when neither is given.</summary>
    public static long[]? IntsFrom(OnnxNode node, Tensor?[] inputs, int input, long[]? attribute, bool asInput)
        => asInput ? (input < inputs.Length && inputs[input] is { } t ? OnnxTensors.ToLongs(t) : null) : attribute;

    static OnnxKernel Reshape(OnnxNode node)
    {
        bool asInput = node.Opset >= 5;
        var attr = asInput ? null : node.Ints("shape");
        bool allowZero = node.Int("allowzero", 0) != 0;
        node.ExpectInputs(asInput ? 2 : 1, asInput ? 2 : 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var spec = IntsFrom(node, inputs, 1, attr, asInput) ?? throw node.Error("has no target shape");
            return [x.Reshape(Target(x.Shape, spec, allowZero))];
        };
    }

    static int[] Target(int[] from, long[] spec, bool allowZero)
    {
        var shape = new int[spec.Length];
        int infer = -1;
        long known = 1;
        for (int i = 0; i < spec.Length; i++)
        {
            long s = spec[i];
            if (s == 0 && !allowZero)
            {
                if (i >= from.Length) throw new ArgumentException($"Reshape: the target [{string.Join(", ", spec)}] copies dim {i} (0), but the input {Shapes.Format(from)} has only {from.Length} dims.");
                s = from[i];
            }
            if (s == -1)
            {
                if (infer >= 0) throw new ArgumentException($"Reshape: the target [{string.Join(", ", spec)}] has more than one -1.");
                infer = i;
                continue;
            }
            if (s < 0 || s > int.MaxValue) throw new ArgumentException($"Reshape: the target [{string.Join(", ", spec)}] has an invalid size {s}.");
            shape[i] = (int)s;
            known *= s;
        }
        long count = Shapes.Count(from);
        if (infer >= 0)
        {
            if (known == 0 || count % known != 0)
                throw new ArgumentException($"Reshape: cannot reshape {Shapes.Format(from)} ({count} elements) to [{string.Join(", ", spec)}].");
            shape[infer] = (int)(count / known);
        }
        else if (known != count)
            throw new ArgumentException($"Reshape: cannot reshape {Shapes.Format(from)} ({count} elements) to [{string.Join(", ", spec)}] ({known} elements).");
        return shape;
    }

    static OnnxKernel Flatten(OnnxNode node)
    {
        long axisAttr = node.Int("axis", 1);
        return ElementwiseOps.Unary(node, x =>
        {
            long a = axisAttr < 0 ? axisAttr + x.Rank : axisAttr;
            if (a < 0 || a > x.Rank) throw new ArgumentException($"Flatten: axis {axisAttr} is out of range for an input of rank {x.Rank}.");
            var shape = x.Shape;
            int rows = 1, cols = 1;
            for (int d = 0; d < shape.Length; d++) { if (d < a) rows *= shape[d]; else cols *= shape[d]; }
            return x.Reshape(rows, cols);
        });
    }

    static OnnxKernel Transpose(OnnxNode node)
    {
        var perm = node.Ints32("perm");
        return ElementwiseOps.Unary(node, x =>
        {
            var p = perm ?? Enumerable.Range(0, x.Rank).Reverse().ToArray();
            if (p.Length != x.Rank || p.Distinct().Count() != p.Length || p.Any(d => d < 0 || d >= x.Rank))
                throw new ArgumentException($"Transpose: perm [{string.Join(", ", p)}] is not a permutation of the {x.Rank} axes of {Shapes.Format(x.Shape)}.");
            return x.Permute(p);
        });
    }

    static OnnxKernel Squeeze(OnnxNode node)
    {
        bool asInput = node.Opset >= 13;
        var attr = asInput ? null : node.Ints("axes");
        node.ExpectInputs(1, asInput ? 2 : 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var axes = IntsFrom(node, inputs, 1, attr, asInput);
            var shape = x.Shape;
            var drop = new bool[shape.Length];
            if (axes is null) for (int d = 0; d < shape.Length; d++) drop[d] = shape[d] == 1;
            else foreach (var a in axes)
                {
                    int d = Host.Axis(node, a, x.Rank, "axes");
                    if (shape[d] != 1) throw new ArgumentException($"Squeeze: axis {a} of {Shapes.Format(shape)} has size {shape[d]}, not 1.");
                    drop[d] = true;
                }
            return [x.Reshape(shape.Where((_, d) => !drop[d]).ToArray())];
        };
    }

    static OnnxKernel Unsqueeze(OnnxNode node)
    {
        bool asInput = node.Opset >= 13;
        var attr = asInput ? null : node.Ints("axes");
        node.ExpectInputs(asInput ? 2 : 1, asInput ? 2 : 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            var axes = IntsFrom(node, inputs, 1, attr, asInput) ?? throw node.Error("has no axes");
            int rank = x.Rank + axes.Length;
            var insert = new bool[rank];
            foreach (var a in axes)
            {
                int d = Host.Axis(node, a, rank, "axes");
                if (insert[d]) throw new ArgumentException($"Unsqueeze: axes [{string.Join(", ", axes)}] repeat axis {d}.");
                insert[d] = true;
            }
            var shape = new int[rank];
            var src = x.Shape;
            for (int d = 0, s = 0; d < rank; d++) shape[d] = insert[d] ? 1 : src[s++];
            return [x.Reshape(shape)];
        };
    }

    static OnnxKernel Expand(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            var spec = Host.ToInts(node, OnnxTensors.ToLongs(Host.Need(node, inputs, 1, "shape")), "shape");
            var target = Shapes.Broadcast(x.Shape, spec, "Expand");
            return [x.Expand(target)];
        };
    }

    static OnnxKernel ShapeOf(OnnxNode node)
    {
        long? start = node.IntOrNull("start"), end = node.IntOrNull("end");
        return ElementwiseOps.Unary(node, x =>
        {
            int r = x.Rank;
            long s = start ?? 0, e = end ?? r;
            if (s < 0) s += r;
            if (e < 0) e += r;
            s = Math.Clamp(s, 0, r); e = Math.Clamp(e, s, r);
            var dims = x.Shape[(int)s..(int)e].Select(d => (long)d).ToArray();
            return OnnxTensors.FromLongs(dims, [dims.Length]);
        });
    }

    // ---- export ----

    /// <summary>Reshape, keeping the batch axis dynamic: dims copied from the input become 0, and a dim that absorbs the batch becomes -1.</summary>
    internal static void ExportReshape(OnnxTracer t, Tensor x, Tensor y)
    {
        if (x.Shape.SequenceEqual(y.Shape)) { t.Alias(y, x); return; }
        int[] s = x.Shape, o = y.Shape;
        var code = new long[o.Length];
        for (int i = 0; i < o.Length; i++) code[i] = i < s.Length && o[i] == s[i] && o[i] != 0 ? 0 : o[i];
        if (o.Length > 0 && code[0] != 0 && t.Batch > 0)
            for (int i = 0; i < o.Length; i++)
                if (code[i] != 0 && o[i] % t.Batch == 0) { code[i] = -1; break; }
        t.Emit("Reshape", y, [t.In(x), t.Ints(code)]);
    }

    internal static void ExportTranspose(OnnxTracer t, Tensor x, Tensor y, int[] perm)
    {
        if (perm.Select((p, i) => p == i).All(b => b)) { t.Alias(y, x); return; }
        t.Emit("Transpose", y, [t.In(x)], new Attr("perm", perm));
    }

    internal static void ExportSwap(OnnxTracer t, Tensor x, Tensor y, int a, int b)
    {
        var perm = Enumerable.Range(0, x.Rank).ToArray();
        if (x.Rank > 0) (perm[a], perm[b]) = (perm[b], perm[a]);
        ExportTranspose(t, x, y, perm);
    }

    internal static void ExportSqueeze(OnnxTracer t, Tensor x, Tensor y, int[] axes)
    {
        if (axes.Length == 0) { t.Alias(y, x); return; }
        t.Emit("Squeeze", y, [t.In(x), t.Ints(axes.Select(a => (long)a).ToArray())]);
    }

    internal static void ExportUnsqueeze(OnnxTracer t, Tensor x, Tensor y, int axis)
        => t.Emit("Unsqueeze", y, [t.In(x), t.Ints(axis)]);

    /// <summary>Expand with 1 wherever the input keeps its size, so a dynamic batch axis stays dynamic.</summary>
    internal static void ExportExpand(OnnxTracer t, Tensor x, Tensor y)
    {
        if (x.Shape.SequenceEqual(y.Shape)) { t.Alias(y, x); return; }
        int lead = y.Rank - x.Rank;
        var shape = y.Shape.Select((d, i) => i >= lead && x.Shape[i - lead] == d ? 1L : d).ToArray();
        t.Emit("Expand", y, [t.In(x), t.Ints(shape)]);
    }
}
