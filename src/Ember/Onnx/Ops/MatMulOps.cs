using Ember.Onnx.Export;
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
            using var at = transA ? a.T : Host.Same(a);
            using var bt = transB ? b.T : Host.Same(b);
            var y = at.MatMul(bt);
            if (alpha != 1) { using var s = y; y = s * alpha; }
            if (inputs.Length > 2 && inputs[2] is { } c && beta != 0)
            {
                using var cs = beta == 1 ? Host.Same(c) : c * beta;
                using var s = y;
                y = s.Add(cs);
            }
            return [y];
        };
    }

    // ---- export ----

    internal static void ExportMatMul(OnnxTracer t, Tensor a, Tensor b, Tensor y)
        => t.Emit("MatMul", y, [t.As(a, y.DType), t.As(b, y.DType)]);

    /// <summary>Linear: Gemm (transB) for a matrix input, else MatMul by the transposed weight plus the bias; an epilogue ReLU follows.</summary>
    internal static void ExportLinear(OnnxTracer t, Tensor input, Tensor weight, Tensor? bias, Tensor y, bool relu)
    {
        string x = t.As(input, y.DType), w = t.In(weight);
        string result;
        if (input.Rank == 2)
            result = t.Emit("Gemm", [x, w, t.InOptional(bias)], new Attr("transB", 1L));
        else
        {
            var wt = t.Emit("Transpose", [w], new Attr("perm", new long[] { 1, 0 }));
            result = t.Emit("MatMul", [x, wt]);
            if (bias is not null) result = t.Emit("Add", [result, t.In(bias)]);
        }
        if (relu) result = t.Emit("Relu", [result]);
        t.Bind(y, result);
    }

    /// <summary>
    /// Scaled dot-product attention as MatMul, Softmax, MatMul: softmax(q·kᵀ·scale + mask)·v, with a Bool
    /// mask through Where and the causal mask as an additive constant of −∞ above the diagonal.
    /// </summary>
    internal static void ExportAttention(OnnxTracer t, Tensor q, Tensor k, Tensor v, Tensor? mask, bool isCausal, double scale, Tensor y)
    {
        var dt = y.DType;
        int L = q.Shape[^2], S = k.Shape[^2];
        var perm = Enumerable.Range(0, k.Rank).Select(i => (long)i).ToArray();
        (perm[^1], perm[^2]) = (perm[^2], perm[^1]);
        var kt = t.Emit("Transpose", [t.As(k, dt)], new Attr("perm", perm));
        var scores = t.Emit("Mul", [t.Emit("MatMul", [t.As(q, dt), kt]), t.Scalar(scale, dt)]);
        if (mask is not null)
            scores = mask.DType == DType.Bool
                ? t.Emit("Where", [t.In(mask), scores, t.Scalar(double.NegativeInfinity, dt)])
                : t.Emit("Add", [scores, t.As(mask, dt)]);
        if (isCausal)
        {
            var causal = new double[L * S];
            for (int i = 0; i < L; i++)
                for (int j = i + 1; j < S; j++) causal[i * S + j] = double.NegativeInfinity;
            using (OnnxTrace.Suppress())
            {
                using var c64 = Tensor.FromArray(causal, L, S);
                using var c = c64.To(dt);
                scores = t.Emit("Add", [scores, t.Constant(c, "causal_mask")]);
            }
        }
        var weights = t.Emit("Softmax", [scores], new Attr("axis", -1L));
        t.Emit("MatMul", y, [weights, t.As(v, dt)]);
    }
}
