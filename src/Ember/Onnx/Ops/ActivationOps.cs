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
            return ElementwiseOps.Unary(node, x => lo is null && hi is null ? x.Alias() : x.Clamp(lo, hi));
        }
        node.ExpectInputs(1, 3);
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "input");
            double? lo = Bound(inputs, 1), hi = Bound(inputs, 2);
            return [lo is null && hi is null ? x.Alias() : x.Clamp(lo, hi)];
        };

        double? Bound(Tensor?[] inputs, int i)
        {
            if (i >= inputs.Length || inputs[i] is not { } t) return null;
            if (t.NumElements != 1) throw new ArgumentException($"Clip: the {(i == 1 ? "min" : "max")} input must be a scalar, got shape {Shapes.Format(t.Shape)}.");
            return OnnxTensors.ToDoubles(t)[0];
        }
    }
}
