namespace Ember.Onnx.Ops;

/// <summary>MatMul (numpy semantics, batched and 1-d) and Gemm (alpha·A'·B' + beta·C).</summary>
internal static class MatMulOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["MatMul"] = n =>
        {
            n.ExpectInputs(2, 2);
            return inputs => [Host.Need(n, inputs, 0, "A").MatMul(Host.Need(n, inputs, 1, "B"))];
        };
        r["Gemm"] = Gemm;
    }

    static OnnxKernel Gemm(OnnxNode node)
    {
        double alpha = node.Float("alpha", 1f), beta = node.Float("beta", 1f);
        bool transA = node.Int("transA", 0) != 0, transB = node.Int("transB", 0) != 0;
        node.ExpectInputs(2, 3);
        return inputs =>
        {
            var a = Host.Need(node, inputs, 0, "A");
            var b = Host.Need(node, inputs, 1, "B");
            if (a.Rank != 2 || b.Rank != 2)
                throw new ArgumentException($"Gemm: A and B must be matrices, got {Shapes.Format(a.Shape)} and {Shapes.Format(b.Shape)}.");
            using var at = transA ? a.T : a.Alias();
            using var bt = transB ? b.T : b.Alias();
            var y = at.MatMul(bt);
            if (alpha != 1) { using var s = y; y = s * alpha; }
            if (inputs.Length > 2 && inputs[2] is { } c && beta != 0)
            {
                using var cs = beta == 1 ? c.Alias() : c * beta;
                using var s = y;
                y = s.Add(cs);
            }
            return [y];
        };
    }
}
