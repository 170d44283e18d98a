using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Softmax, LogSoftmax and Hardmax. Before opset 13 the input is seen as a matrix
/// [prod(shape[:axis]), prod(shape[axis:])] (default axis 1); from 13 on the op runs along one axis (default −1).
/// </summary>
internal static class SoftmaxOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Softmax"] = n => Make(n, (x, d) => x.Softmax(d));
        r["LogSoftmax"] = n => Make(n, (x, d) => x.LogSoftmax(d));
        r["Hardmax"] = n => Make(n, Hardmax);
    }

    static OnnxKernel Make(OnnxNode node, Func<Tensor, int, Tensor> f)
    {
        bool legacy = node.Opset < 13;
        long axisAttr = node.Int("axis", legacy ? 1 : -1);
        return ElementwiseOps.Float(node, x =>
        {
            if (x.Rank == 0) throw new ArgumentException($"{node.OpType}: the input must have at least one axis, got a scalar.");
            if (!legacy) return f(x, Host.Axis(node, axisAttr, x.Rank));
            // The legacy 2-d view allows axis = rank, like Flatten.
            long axis = axisAttr < 0 ? axisAttr + x.Rank : axisAttr;
            if (axis < 0 || axis > x.Rank) throw node.Error($"has axis {axisAttr}, out of range for an input of rank {x.Rank}");
            var shape = x.Shape;
            int rows = 1, cols = 1;
            for (int d = 0; d < shape.Length; d++) { if (d < axis) rows *= shape[d]; else cols *= shape[d]; }
            using var m = x.Reshape(rows, cols);
            using var y = f(m, 1);
            return y.Reshape(shape);
        });
    }

    /// <summary>1 at the first maximum along the axis, 0 elsewhere.</summary>
    static Tensor Hardmax(Tensor x, int axis)
    {
        using var idx = x.ArgMax(axis, keepDim: true);
        var shape = x.Shape;
        var result = Tensor.Zeros(shape, x.DType);
        using var ones = Tensor.Ones(idx.Shape, x.DType);
        using (result) return result.Scatter(axis, idx, ones);
    }

    // ---- export ----

    internal static void Export(OnnxTracer t, Tensor x, Tensor y, int axis, bool log)
        => t.Emit(log ? "LogSoftmax" : "Softmax", y, [t.As(x, y.DType)], new Attr("axis", (long)axis));
}
