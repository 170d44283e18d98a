namespace Ember.Onnx.Ops;

/// <summary>CumSum, TopK, Trilu and Einsum.</summary>
internal static class MiscOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["CumSum"] = CumSum;
        r["TopK"] = TopK;
        r["Trilu"] = Trilu;
        r["Einsum"] = Einsum;
    }

    /// <summary>The sizes around an axis: elements before it, along it, after it.</summary>
    static (long Outer, int Len, long Inner) Around(int[] shape, int axis)
    {
        long inner = 1; for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        long outer = 1; for (int d = 0; d < axis; d++) outer *= shape[d];
        return (outer, shape[axis], inner);
    }

    static OnnxKernel CumSum(OnnxNode node)
    {
        node.ExpectInputs(2, 2);
        bool exclusive = node.Int("exclusive", 0) != 0, reverse = node.Int("reverse", 0) != 0;
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "x");
            var axisT = Host.Need(node, inputs, 1, "axis");
            if (axisT.NumElements != 1) throw new ArgumentException($"CumSum: axis must be a scalar, got shape {Shapes.Format(axisT.Shape)}.");
            int axis = Host.Axis(node, OnnxTensors.ToLongs(axisT)[0], x.Rank);
            var (outer, len, inner) = Around(x.Shape, axis);
            var v = OnnxTensors.ToDoubles(x);
            var y = new double[v.Length];
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                {
                    double acc = 0;
                    for (int k = 0; k < len; k++)
                    {
                        int j = reverse ? len - 1 - k : k;
                        long at = (o * len + j) * inner + i;
                        if (exclusive) { y[at] = acc; acc += v[at]; }
                        else { acc += v[at]; y[at] = acc; }
                    }
                }
            return [OnnxTensors.FromDoubles(y, x.Shape, x.DType)];
        };
    }

    static OnnxKernel TopK(OnnxNode node)
    {
        bool kAsInput = node.Opset >= 10;
        long attrK = kAsInput ? 0 : node.Int("k", 0);
        long axisAttr = node.Int("axis", -1);
        bool largest = node.Int("largest", 1) != 0;
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            long k = kAsInput ? OnnxTensors.ToLongs(Host.Need(node, inputs, 1, "K")) is [var kk] ? kk : throw new ArgumentException("TopK: K must hold one value.") : attrK;
            int axis = Host.Axis(node, axisAttr, x.Rank);
            var shape = x.Shape;
            var (outer, len, inner) = Around(shape, axis);
            if (k < 0 || k > len) throw new ArgumentException($"TopK: k = {k} is out of range for axis {axis} of size {len} (input {Shapes.Format(shape)}).");
            var v = OnnxTensors.ToDoubles(x);
            var idx = new long[outer * k * inner];
            var flat = new long[idx.Length];
            var order = new int[len];
            for (long o = 0; o < outer; o++)
                for (long i = 0; i < inner; i++)
                {
                    for (int j = 0; j < len; j++) order[j] = j;
                    long baseAt = o * len * inner + i;
                    // Ties keep the lower index first, as ONNX specifies.
                    Array.Sort(order, (a, b) =>
                    {
                        double va = v[baseAt + a * inner], vb = v[baseAt + b * inner];
                        int c = largest ? vb.CompareTo(va) : va.CompareTo(vb);
                        return c != 0 ? c : a.CompareTo(b);
                    });
                    for (int j = 0; j < k; j++)
                    {
                        long at = (o * k + j) * inner + i;
                        idx[at] = order[j];
                        flat[at] = baseAt + order[j] * inner;
                    }
                }
            var outShape = (int[])shape.Clone();
            outShape[axis] = (int)k;
            return [IndexingOps.GatherFlat(x, flat, outShape), OnnxTensors.FromLongs(idx, outShape)];
        };
    }

    static OnnxKernel Trilu(OnnxNode node)
    {
        node.ExpectInputs(1, 2);
        bool upper = node.Int("upper", 1) != 0;
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            long k = inputs.Length > 1 && inputs[1] is { } kt ? OnnxTensors.ToLongs(kt)[0] : 0;
            if (x.Rank < 2) throw new ArgumentException($"Trilu: expected an input of rank 2 or more, got {Shapes.Format(x.Shape)}.");
            int rows = x.Shape[^2], cols = x.Shape[^1];
            var keep = new bool[rows * cols];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                    keep[i * cols + j] = upper ? j - i >= k : j - i <= k;
            using var mask = Tensor.FromArray(keep, rows, cols);
            using var zero = Tensor.Zeros([], x.DType);
            return [Tensor.Where(mask, x, zero)];
        };
    }

    static OnnxKernel Einsum(OnnxNode node)
    {
        string equation = node.String("equation", "").Replace(" ", "");
        if (equation.Length == 0) throw node.Error("has no equation");
        return inputs =>
        {
            var xs = inputs.Select((t, i) => t ?? throw node.Error($"is missing its input {i}")).ToArray();
            return [EinsumOp.Run(equation, xs)];
        };
    }
}
