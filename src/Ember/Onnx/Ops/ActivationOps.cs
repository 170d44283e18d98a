using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>Activations: Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, Celu, Softplus, Softsign, HardSigmoid, HardSwish, Mish, Gelu, PRelu, Clip.</summary>
internal static class ActivationOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Relu"] = n => ElementwiseOps.Unary(n, x => x.Relu());
        r["Sigmoid"] = n => ElementwiseOps.Float(n, x => x.Sigmoid());
        r["Tanh"] = n => ElementwiseOps.Float(n, x => x.Tanh());
        r["LeakyRelu"] = n => { double a = n.Float("alpha", 0.01f); return ElementwiseOps.Float(n, x => x.LeakyRelu(a)); };
        r["Elu"] = n => { double a = n.Float("alpha", 1f); return ElementwiseOps.Float(n, x => x.Elu(a)); };
        r["Celu"] = n =>
        {
            double a = n.Float("alpha", 1f);
            return ElementwiseOps.Float(n, x => Host.Map(x, v => Math.Max(0, v) + Math.Min(0, a * (Math.Exp(v / a) - 1))));
        };
        r["Selu"] = n =>
        {
            double a = n.Float("alpha", 1.67326319217681884765625f), g = n.Float("gamma", 1.05070102214813232421875f);
            return ElementwiseOps.Float(n, x => Host.Map(x, v => v > 0 ? g * v : g * (a * Math.Exp(v) - a)));
        };
        r["ThresholdedRelu"] = n => { double a = n.Float("alpha", 1f); return ElementwiseOps.Float(n, x => Host.Map(x, v => v > a ? v : 0)); };
        r["Softplus"] = n => ElementwiseOps.Float(n, x => Host.Map(x, v => v > 0 ? v + Math.Log(1 + Math.Exp(-v)) : Math.Log(1 + Math.Exp(v))));
        r["Softsign"] = n => ElementwiseOps.Float(n, x => Host.Map(x, v => v / (1 + Math.Abs(v))));
        r["HardSigmoid"] = n =>
        {
            double a = n.Float("alpha", 0.2f), b = n.Float("beta", 0.5f);
            return ElementwiseOps.Float(n, x => Host.Map(x, v => Math.Max(0, Math.Min(1, a * v + b))));
        };
        r["HardSwish"] = n => ElementwiseOps.Float(n, x => x.Hardswish());
        r["Mish"] = n => ElementwiseOps.Float(n, x => x.Mish());
        r["Gelu"] = n =>
        {
            string approx = n.String("approximate", "none");
            if (approx is not ("none" or "tanh")) throw n.Error($"has approximate = '{approx}'; expected 'none' or 'tanh'");
            return ElementwiseOps.Float(n, x => x.Gelu(approximateTanh: approx == "tanh"));
        };
        r["PRelu"] = n =>
        {
            n.ExpectInputs(2, 2);
            return inputs =>
            {
                var x = Host.Need(n, inputs, 0, "X");
                var slope = Host.Need(n, inputs, 1, "slope");
                using var negative = x.Lt(0.0);
                using var scaled = x.Mul(slope);
                return [Tensor.Where(negative, scaled, x)];
            };
        };
        r["Clip"] = Clip;
    }

    static OnnxKernel Clip(OnnxNode node)
    {
        if (node.Opset < 11)
        {
            float? lo = node.FloatOrNull("min"), hi = node.FloatOrNull("max");
            return ElementwiseOps.Unary(node, x => lo is null && hi is null ? Host.Same(x) : x.Clamp(lo, hi));
        }
        node.ExpectInputs(1, 3);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            double? lo = Bound(inputs, 1), hi = Bound(inputs, 2);
            if (lo is null && hi is null) return [Host.Same(x)];
            // Clamp with a double bound promotes integers to float; ONNX keeps the input's type.
            if (Host.IsInteger(x.DType))
            {
                long l = Whole(inputs, 1) ?? long.MinValue, h = Whole(inputs, 2) ?? long.MaxValue;
                return [Host.MapLong(x, v => Math.Min(Math.Max(v, l), h))];
            }
            return [x.Clamp(lo, hi)];
        };

        double? Bound(Tensor?[] inputs, int i)
        {
            if (i >= inputs.Length || inputs[i] is not { } t) return null;
            if (t.NumElements != 1) throw new ArgumentException($"Clip: the {(i == 1 ? "min" : "max")} input must be a scalar, got shape {Shapes.Format(t.Shape)}.");
            return OnnxTensors.ToDoubles(t)[0];
        }

        static long? Whole(Tensor?[] inputs, int i) => i < inputs.Length && inputs[i] is { } t ? OnnxTensors.ToLongs(t)[0] : null;
    }

    // ---- export ----

    /// <summary>
    /// An activation function by Ember's name; <paramref name="p0"/> and <paramref name="p1"/> are its
    /// settings (LeakyReLU's slope, ELU's alpha, Softplus' beta and threshold, 1 for GELU's tanh form).
    /// Those ONNX lacks at the chosen opset are composed from simpler operators.
    /// </summary>
    internal static void Export(OnnxTracer t, string name, Tensor x, Tensor y, double p0, double p1)
    {
        var dt = y.DType;
        string xi = t.As(x, dt);
        string Const(double v) => t.Scalar(v, dt);
        string result = name switch
        {
            "Relu" or "Sigmoid" or "Tanh" or "Selu" => t.Emit(name, [xi]),
            "Silu" => t.Emit("Mul", [xi, t.Emit("Sigmoid", [xi])]),
            "LeakyRelu" => t.Emit("LeakyRelu", [xi], new Attr("alpha", p0)),
            "Elu" => t.Emit("Elu", [xi], new Attr("alpha", p0)),
            "Relu6" => t.Emit("Clip", [xi, Const(0), Const(6)]),
            "Hardsigmoid" => t.Emit("HardSigmoid", [xi], new Attr("alpha", 1.0 / 6), new Attr("beta", 0.5)),
            "Hardswish" => t.Opset >= 14 ? t.Emit("HardSwish", [xi])
                : t.Emit("Mul", [xi, t.Emit("HardSigmoid", [xi], new Attr("alpha", 1.0 / 6), new Attr("beta", 0.5))]),
            "Mish" => t.Emit("Mul", [xi, t.Emit("Tanh", [t.Emit("Softplus", [xi])])]),
            "Softplus" => Softplus(t, xi, p0, p1, Const),
            "Gelu" => Gelu(t, xi, tanh: p0 == 1, Const),
            _ => throw new NotSupportedException($"OnnxExporter: the activation {name} has no ONNX export."),
        };
        t.Bind(y, result);
    }

    /// <summary>softplus(βx)/β where βx ≤ threshold, else x (PyTorch's linear region).</summary>
    static string Softplus(OnnxTracer t, string x, double beta, double threshold, Func<double, string> c)
    {
        var bx = beta == 1 ? x : t.Emit("Mul", [x, c(beta)]);
        var sp = t.Emit("Softplus", [bx]);
        if (beta != 1) sp = t.Emit("Div", [sp, c(beta)]);
        var linear = t.Emit("Greater", [bx, c(threshold)]);
        return t.Emit("Where", [linear, x, sp]);
    }

    /// <summary>GELU: the operator from opset 20, else x·Φ(x) through Erf (or the tanh approximation).</summary>
    static string Gelu(OnnxTracer t, string x, bool tanh, Func<double, string> c)
    {
        if (t.Opset >= 20) return t.Emit("Gelu", [x], new Attr("approximate", tanh ? "tanh" : "none"));
        string inner;
        if (tanh)
        {
            var x3 = t.Emit("Mul", [t.Emit("Mul", [x, x]), x]);
            var arg = t.Emit("Mul", [t.Emit("Add", [x, t.Emit("Mul", [x3, c(0.044715)])]), c(Math.Sqrt(2 / Math.PI))]);
            inner = t.Emit("Tanh", [arg]);
        }
        else inner = t.Emit("Erf", [t.Emit("Mul", [x, c(1 / Math.Sqrt(2))])]);
        var onePlus = t.Emit("Add", [inner, c(1)]);
        return t.Emit("Mul", [t.Emit("Mul", [x, onePlus]), c(0.5)]);
    }

    /// <summary>PReLU with the slope already shaped to broadcast over dims after the channel dim.</summary>
    internal static void ExportPrelu(OnnxTracer t, Tensor x, Tensor slope, Tensor y)
        => t.Emit("PRelu", y, [t.In(x), t.In(slope)]);
}
