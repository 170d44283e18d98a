using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>One-input elementwise math: Abs, Neg, Sqrt, Exp, Log, trigonometry, rounding, Erf, Not, ...</summary>
internal static class ElementwiseOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Abs"] = n => Unary(n, x => x.DType.IsFloatingPoint() ? x.Abs() : Host.MapLong(x, Math.Abs));
        r["Neg"] = n => Unary(n, x => x.DType.IsFloatingPoint() ? x.Neg() : Host.MapLong(x, v => -v));
        r["Sign"] = n => Unary(n, x => x.DType.IsFloatingPoint() ? x.Sign() : Host.MapLong(x, v => Math.Sign(v)));
        r["Sqrt"] = n => Float(n, x => x.Sqrt());
        r["Exp"] = n => Float(n, x => x.Exp());
        r["Log"] = n => Float(n, x => x.Log());
        r["Sin"] = n => Float(n, x => x.Sin());
        r["Cos"] = n => Float(n, x => x.Cos());
        r["Tan"] = n => Float(n, x => Host.Map(x, Math.Tan));
        r["Asin"] = n => Float(n, x => Host.Map(x, Math.Asin));
        r["Acos"] = n => Float(n, x => Host.Map(x, Math.Acos));
        r["Atan"] = n => Float(n, x => Host.Map(x, Math.Atan));
        r["Sinh"] = n => Float(n, x => Host.Map(x, Math.Sinh));
        r["Cosh"] = n => Float(n, x => Host.Map(x, Math.Cosh));
        r["Asinh"] = n => Float(n, x => Host.Map(x, Math.Asinh));
        r["Acosh"] = n => Float(n, x => Host.Map(x, Math.Acosh));
        r["Atanh"] = n => Float(n, x => Host.Map(x, Math.Atanh));
        r["Floor"] = n => Float(n, x => Host.Map(x, Math.Floor));
        r["Ceil"] = n => Float(n, x => Host.Map(x, Math.Ceiling));
        // ONNX rounds half to even, as Math.Round does by default.
        r["Round"] = n => Float(n, x => Host.Map(x, Math.Round));
        r["Reciprocal"] = n => Float(n, x => { using var one = Tensor.Scalar(1.0, x.DType); return one.Div(x); });
        r["Erf"] = n => Float(n, x => Host.Map(x, Erf));
        r["Not"] = n => Unary(n, x => x.LogicalNot());
        r["IsNaN"] = n => Float(n, x => Host.Map(x, v => double.IsNaN(v) ? 1 : 0, DType.Bool));
        r["IsInf"] = n =>
        {
            bool neg = n.Int("detect_negative", 1) != 0, pos = n.Int("detect_positive", 1) != 0;
            return Float(n, x => Host.Map(x, v => (double.IsNegativeInfinity(v) && neg) || (double.IsPositiveInfinity(v) && pos) ? 1 : 0, DType.Bool));
        };
        r["Identity"] = n => Unary(n, Host.Same);
    }

    public static OnnxKernel Unary(OnnxNode node, Func<Tensor, Tensor> f)
    {
        node.ExpectInputs(1, 1);
        return inputs => [f(Host.Need(node, inputs, 0, "X"))];
    }

    /// <summary>An op defined for floating-point inputs only.</summary>
    public static OnnxKernel Float(OnnxNode node, Func<Tensor, Tensor> f)
    {
        node.ExpectInputs(1, 1);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            if (!x.DType.IsFloatingPoint())
                throw new ArgumentException($"{node.OpType} expects a floating-point input, got {x.DType} of shape {Shapes.Format(x.Shape)}.");
            return [f(x)];
        };
    }

    /// <summary>The error function, to double precision (W. J. Cody's rational approximations).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            double t = x * x;
            double p = (((0.185777706184603153e0 * t + 3.16112374387056560e0) * t + 113.864154151050156e0) * t + 377.485237685302021e0) * t + 3209.37758913846947e0;
            double q = (((t + 23.6012909523441209e0) * t + 244.024637934444173e0) * t + 1282.61652607737228e0) * t + 2844.23683343917062e0;
            return x * p / q;
        }
        return Math.Sign(x) * (1 - Erfc(ax));
    }

    static double Erfc(double x)
    {
        if (x < 4)
        {
            double p = ((((((((2.15311535474403846e-8 * x + 5.64188496988670089e-1) * x + 8.88314979438837594e0) * x + 66.1191906371416295e0) * x
                + 298.635138197400131e0) * x + 881.952221241769090e0) * x + 1712.04761263407058e0) * x + 2051.07837782607147e0) * x + 1230.33935479799725e0);
            double q = ((((((((x + 15.7449261107098347e0) * x + 117.693950891312499e0) * x + 537.181101862009858e0) * x + 1621.38957456669019e0) * x
                + 3290.79923573345963e0) * x + 4362.61909014324716e0) * x + 3439.36767414372164e0) * x + 1230.33935480374942e0);
            return Math.Exp(-x * x) * p / q;
        }
        if (x > 27) return 0;
        double z = 1 / (x * x);
        double pp = ((((1.63153871373020978e-2 * z + 3.05326634961232344e-1) * z + 3.60344899949804439e-1) * z + 1.25781726111229246e-1) * z
            + 1.60837851487422766e-2) * z + 6.58749161529837803e-4;
        double qq = ((((z + 2.56852019228982242e0) * z + 1.87295284992346725e0) * z + 5.27905102951428412e-1) * z + 6.05183413124413191e-2) * z
            + 2.33520497626869185e-3;
        double r = z * pp / qq;
        r = (1 / Math.Sqrt(Math.PI) - r) / x;
        return Math.Exp(-x * x) * r;
    }

    // ---- export ----

    /// <summary>A unary math function that ONNX has under the same meaning.</summary>
    internal static void Export(OnnxTracer t, string onnxOp, Tensor x, Tensor y)
        => t.Emit(onnxOp, y, [t.As(x, y.DType)]);

    /// <summary>1 / sqrt(x).</summary>
    internal static void ExportRsqrt(OnnxTracer t, Tensor x, Tensor y)
    {
        var s = t.Emit("Sqrt", [t.As(x, y.DType)]);
        t.Emit("Reciprocal", y, [s]);
    }
}
