using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Activation functions: a fused forward kernel and a fused backward kernel each.</summary>
public partial class Tensor
{
    /// <summary>max(x, 0); integer tensors stay integral, as in PyTorch.</summary>
    public Tensor Relu() => !DType.IsFloatingPoint() ? IntegerRelu() : Activate(new VectorUnary<ReluOp>(new ReluOp()), "Relu", saveOutput: true, new VectorBinary<ReluGrad>(new ReluGrad()));
    public Tensor Sigmoid() => Activate(new SigmoidOp(), "Sigmoid", saveOutput: true, new VectorBinary<SigmoidGrad>(new SigmoidGrad()));
    public Tensor Tanh() => Activate(new TanhOp(), "Tanh", saveOutput: true, new VectorBinary<TanhGrad>(new TanhGrad()));
    public Tensor Silu() => Activate(new VectorUnary<SiluOp>(new SiluOp()), "Silu", saveOutput: false, new VectorBinary<SiluGrad>(new SiluGrad()));

    public Tensor LeakyRelu(double negativeSlope = 0.01)
        => Activate(new VectorUnary<LeakyReluOp>(new LeakyReluOp(negativeSlope)), "LeakyRelu", saveOutput: false, new VectorBinary<LeakyReluGrad>(new LeakyReluGrad(negativeSlope)), negativeSlope);

    public Tensor Elu(double alpha = 1)
        => Activate(new EluOp(alpha), "Elu", saveOutput: false, new VectorBinary<EluGrad>(new EluGrad(alpha)), alpha);

    public Tensor Softplus(double beta = 1, double threshold = 20)
        => Activate(new SoftplusOp(beta, threshold), "Softplus", saveOutput: false, new VectorBinary<SoftplusGrad>(new SoftplusGrad(beta, threshold)), beta, threshold);

    /// <summary>GELU: exact x·Φ(x), or with <paramref name="approximateTanh"/> PyTorch's approximate='tanh'.</summary>
    public Tensor Gelu(bool approximateTanh = false) => approximateTanh
        ? Activate(new VectorUnary<GeluTanhOp>(new GeluTanhOp()), "Gelu", saveOutput: false, new GeluTanhGrad(), p0: 1)
        : Activate(new GeluOp(), "Gelu", saveOutput: false, new GeluGrad());

    /// <summary>min(max(x, 0), 6).</summary>
    public Tensor Relu6() => Activate(new VectorUnary<Relu6Op>(new Relu6Op()), "Relu6", saveOutput: false, new VectorBinary<Relu6Grad>(new Relu6Grad()));

    /// <summary>scale·(max(0, x) + min(0, α(exp(x) − 1))) with PyTorch's fixed α and scale.</summary>
    public Tensor Selu() => Activate(new VectorUnary<SeluOp>(new SeluOp()), "Selu", saveOutput: false, new VectorBinary<SeluGrad>(new SeluGrad()));

    /// <summary>x·tanh(softplus(x)).</summary>
    public Tensor Mish() => Activate(new VectorUnary<MishOp>(new MishOp()), "Mish", saveOutput: false, new VectorBinary<MishGrad>(new MishGrad()));

    /// <summary>x·relu6(x + 3)/6.</summary>
    public Tensor Hardswish() => Activate(new VectorUnary<HardswishOp>(new HardswishOp()), "Hardswish", saveOutput: false, new VectorBinary<HardswishGrad>(new HardswishGrad()));

    /// <summary>relu6(x + 3)/6.</summary>
    public Tensor Hardsigmoid() => Activate(new VectorUnary<HardsigmoidOp>(new HardsigmoidOp()), "Hardsigmoid", saveOutput: false, new VectorBinary<HardsigmoidGrad>(new HardsigmoidGrad()));

    /// <summary>
    /// x where x &gt; 0, else weight·x, with one learnable slope for all elements (weight of one element)
    /// or one per channel, dim 1 (weight of shape [C]), as torch.nn.functional.prelu.
    /// </summary>
    public Tensor Prelu(Tensor weight)
    {
        const string op = "Prelu";
        Live(op); ArgumentNullException.ThrowIfNull(weight); weight.Live(op);
        if (!DType.IsFloatingPoint() || weight.DType != DType)
            throw new ArgumentException($"{op}: expected a floating-point input and a weight of the same dtype, got {DType} and {weight.DType}.");
        long c = weight.NumElements;
        if (weight.Rank > 1 || c == 0)
            throw new ArgumentException($"{op}: the weight must be 0-d or 1-d with at least one element, got shape {Shapes.Format(weight.shape)}.");
        if (c != 1 && (Rank < 2 || shape[1] != c))
            throw new ArgumentException(
                $"{op}: a weight of {c} elements needs an input whose dim 1 has {c} channels, got shape {Shapes.Format(shape)}; use one element for a shared slope.");
        // The slope as a view that broadcasts over every dim but the channel dim; its gradient is
        // summed down to that view's shape by the engine, then reshaped back to the weight's.
        var slopeShape = c == 1 ? Array.Empty<int>() : Enumerable.Repeat(1, Rank - 1).ToArray();
        if (c != 1) slopeShape[0] = (int)c;
        using var slope = weight.Reshape(slopeShape);
        var y = Elementwise.Binary(this, slope, new VectorBinary<PreluOp>(new PreluOp()), DType, op);
        if (GradMode.ShouldRecord(this, slope)) GradMode.Record(y, new PreluBackward(new Saved(this, op), new Saved(slope, op)), this, slope);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ActivationOps.ExportPrelu(onnx, this, slope, y);
        return y;
    }

    sealed class PreluBackward(Saved x, Saved slope) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value; var sv = slope.Value;
            Tensor? gx = null, gw = null;
            if (NeedsInputGrad(0))
            {
                using var d = Elementwise.Binary(xv, sv, new VectorBinary<PreluSlope>(new PreluSlope()), xv.DType, "PreluBackward");
                gx = Elementwise.Binary(g, d, new VectorBinary<MulOp>(new MulOp()), xv.DType, "PreluBackward");
            }
            if (NeedsInputGrad(1))
            {
                // g·x where x ≤ 0, then reduced over every dim but the channel dim.
                using var full = Elementwise.Binary(g, xv, new VectorBinary<PreluWeightGrad>(new PreluWeightGrad()), xv.DType, "PreluBackward");
                if (sv.Rank == 0) gw = full.Sum();
                else using (var perChannel = full.Sum(Enumerable.Range(0, full.Rank).Where(i => i != 1).ToArray())) gw = perChannel.Reshape(sv.shape);
            }
            return [gx, gw];
        }
        protected override void ReleaseSaved() { x.Release(); slope.Release(); }
    }

    Tensor IntegerRelu()
    {
        using var zero = Full([], 0, DType);
        return Maximum(zero);
    }

    /// <remarks><paramref name="p0"/> and <paramref name="p1"/> are the function's settings, for its ONNX export.</remarks>
    Tensor Activate<TOp, TGrad>(TOp op, string name, bool saveOutput, TGrad grad, double p0 = 0, double p1 = 0) where TOp : struct, IUnaryOp where TGrad : struct, IBinaryOp
    {
        var y = Elementwise.Map(this, op, name);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new ActivationBackward<TGrad>(name, new Saved(saveOutput ? y : this, name), grad), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ActivationOps.Export(onnx, name, this, y, p0, p1);
        return y;
    }

    sealed class ActivationBackward<TGrad>(string op, Saved saved, TGrad grad) : Node where TGrad : struct, IBinaryOp
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var s = saved.Value;
            return [Elementwise.Binary(g, s, grad, s.DType, Name)];
        }
        protected override void ReleaseSaved() => saved.Release();
    }

    /// <summary>Limits every element to [min, max]; either bound may be omitted. The gradient passes where min ≤ x ≤ max.</summary>
    public Tensor Clamp(double? min = null, double? max = null)
    {
        Live("Clamp");
        if (min is null && max is null) throw new ArgumentException("Clamp: give at least one of min and max.");
        Tensor y;
        using (GradMode.Disable())
        {
            y = Alias();
            if (min is double lo) { using var l = ScalarLike(lo, this); var t = y.Maximum(l); y.Dispose(); y = t; }
            if (max is double hi) { using var h = ScalarLike(hi, this); var t = y.Minimum(h); y.Dispose(); y = t; }
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new ClampBackward(new Saved(this, "Clamp"), min, max), this);
        return y;
    }

    sealed class ClampBackward(Saved x, double? min, double? max) : Node
    {
        // The gradient passes where min ≤ x ≤ max; a NaN input is outside, as in PyTorch.
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            using var aboveMin = min is double lo ? xv.Ge(lo) : Ones(xv.shape, DType.Bool);
            using var belowMax = max is double hi ? xv.Le(hi) : Ones(xv.shape, DType.Bool);
            using var inside = aboveMin.LogicalAnd(belowMax);
            using var zero = Full([], 0, g.DType);
            return [Where(inside, g, zero)];
        }
        protected override void ReleaseSaved() => x.Release();
    }
}
