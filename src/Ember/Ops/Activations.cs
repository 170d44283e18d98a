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
        => Activate(new VectorUnary<LeakyReluOp>(new LeakyReluOp(negativeSlope)), "LeakyRelu", saveOutput: false, new VectorBinary<LeakyReluGrad>(new LeakyReluGrad(negativeSlope)));

    public Tensor Elu(double alpha = 1)
        => Activate(new EluOp(alpha), "Elu", saveOutput: false, new VectorBinary<EluGrad>(new EluGrad(alpha)));

    public Tensor Softplus(double beta = 1, double threshold = 20)
        => Activate(new SoftplusOp(beta, threshold), "Softplus", saveOutput: false, new VectorBinary<SoftplusGrad>(new SoftplusGrad(beta, threshold)));

    /// <summary>GELU: exact x·Φ(x), or with <paramref name="approximateTanh"/> PyTorch's approximate='tanh'.</summary>
    public Tensor Gelu(bool approximateTanh = false) => approximateTanh
        ? Activate(new VectorUnary<GeluTanhOp>(new GeluTanhOp()), "Gelu", saveOutput: false, new GeluTanhGrad())
        : Activate(new GeluOp(), "Gelu", saveOutput: false, new GeluGrad());

    Tensor IntegerRelu()
    {
        using var zero = Full([], 0, DType);
        return Maximum(zero);
    }

    Tensor Activate<TOp, TGrad>(TOp op, string name, bool saveOutput, TGrad grad) where TOp : struct, IUnaryOp where TGrad : struct, IBinaryOp
    {
        var y = Elementwise.Map(this, op, name);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new ActivationBackward<TGrad>(name, new Saved(saveOutput ? y : this, name), grad), this);
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
