using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

// Forward bodies of the activation functions. Float paths are vectorised; double paths stay scalar
// where the vector approximation (erfc) would cost precision that float64 users expect.

/// <summary>max(x, 0), NaN kept (NaN &lt; 0 is false). Not TensorPrimitives.Max: see AddOp on non-temporal stores.</summary>
internal readonly struct ReluOp : IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.Zero : x;
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), Vector128<T>.Zero, x);
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), Vector256<T>.Zero, x);
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), Vector512<T>.Zero, x);
}
internal readonly struct SigmoidOp : IUnaryOp
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-x));
    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sigmoid(x, y);
}

internal readonly struct TanhOp : IUnaryOp
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Tanh(x);
    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Tanh(x, y);
}

internal readonly struct LeakyReluOp(double slope) : IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : x * T.CreateTruncating(slope);
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x, x * T.CreateTruncating(slope));
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x, x * T.CreateTruncating(slope));
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x, x * T.CreateTruncating(slope));
}

internal readonly struct SiluOp : IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x / (T.One + T.Exp(-x));
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector128<T>.One + VMath.Exp(-x));
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector256<T>.One + VMath.Exp(-x));
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x / (Vector512<T>.One + VMath.Exp(-x));
}

internal readonly struct EluOp(double alpha) : IUnaryOp
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x > T.Zero ? x : T.CreateTruncating(alpha) * T.ExpM1(x);
    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = Scalar(x[i]);
    }
}

/// <summary>softplus(x) = log(1 + exp(βx))/β, and x itself where βx exceeds the threshold.</summary>
internal readonly struct SoftplusOp(double beta, double threshold) : IUnaryOp
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T v = x * T.CreateTruncating(beta);
        return v > T.CreateTruncating(threshold) ? x : T.CreateTruncating(Log1p(double.CreateTruncating(T.Exp(v))) / beta);
    }
    static double Log1p(double u) { double w = 1 + u; return w == 1 ? u : Math.Log(w) * u / (w - 1); }
    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < y.Length; i++) y[i] = Scalar(x[i]);
    }
}

/// <summary>Exact GELU, x·Φ(x), with Φ from erfc.</summary>
internal readonly struct GeluOp : IUnaryOp
{
    const float InvSqrt2 = 0.70710678118654752f;

    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateTruncating(double.CreateTruncating(x) * SpecialFunctions.NormalCdf(double.CreateTruncating(x)));

    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated)
            Simd.Map(new Vector(), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y));
        else for (int i = 0; i < y.Length; i++) y[i] = Scalar(x[i]);
    }

    /// <summary>The float path: x/2 · (1 + erf(x/√2)), as libtorch computes it.</summary>
    readonly struct Vector : IVectorUnary
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => new GeluOp().Scalar(x);
        public Vector512<T> V512<T>(Vector512<T> xv) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = xv.AsSingle();
            return (x * 0.5f * (Vector512<float>.One + SpecialFunctions.Erf(x * InvSqrt2))).As<float, T>();
        }
        public Vector256<T> V256<T>(Vector256<T> xv) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = xv.AsSingle();
            return (x * 0.5f * (Vector256<float>.One + SpecialFunctions.Erf(x * InvSqrt2))).As<float, T>();
        }
        public Vector128<T> V128<T>(Vector128<T> xv) where T : unmanaged, IFloatingPointIeee754<T>
        {
            var x = xv.AsSingle();
            return (x * 0.5f * (Vector128<float>.One + SpecialFunctions.Erf(x * InvSqrt2))).As<float, T>();
        }
    }
}

/// <summary>GELU's tanh approximation: x/2 · (1 + tanh(√(2/π)(x + 0.044715x³))).</summary>
internal readonly struct GeluTanhOp : IVectorUnary
{
    internal const double K = 0.7978845608028654, C = 0.044715;

    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double v = double.CreateTruncating(x);
        return T.CreateTruncating(0.5 * v * (1 + Math.Tanh(K * (v + C * v * v * v))));
    }
    // tanh(u) = 1 - 2/(exp(2u) + 1), so 1 + tanh(u) = 2 - 2/(exp(2u) + 1).
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u2 = x * (Vector512.Create(T.CreateTruncating(2 * K)) + x * x * T.CreateTruncating(2 * K * C));
        var onePlusTanh = Vector512.Create(T.CreateTruncating(2)) - Vector512.Create(T.CreateTruncating(2)) / (VMath.Exp(u2) + Vector512<T>.One);
        return x * onePlusTanh * T.CreateTruncating(0.5);
    }
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u2 = x * (Vector256.Create(T.CreateTruncating(2 * K)) + x * x * T.CreateTruncating(2 * K * C));
        var onePlusTanh = Vector256.Create(T.CreateTruncating(2)) - Vector256.Create(T.CreateTruncating(2)) / (VMath.Exp(u2) + Vector256<T>.One);
        return x * onePlusTanh * T.CreateTruncating(0.5);
    }
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var u2 = x * (Vector128.Create(T.CreateTruncating(2 * K)) + x * x * T.CreateTruncating(2 * K * C));
        var onePlusTanh = Vector128.Create(T.CreateTruncating(2)) - Vector128.Create(T.CreateTruncating(2)) / (VMath.Exp(u2) + Vector128<T>.One);
        return x * onePlusTanh * T.CreateTruncating(0.5);
    }
}

/// <summary>min(max(x, 0), 6), NaN kept (both comparisons are false for NaN), as PyTorch's hardtanh.</summary>
internal readonly struct Relu6Op : IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x < T.Zero ? T.Zero : x > T.CreateTruncating(6) ? T.CreateTruncating(6) : x;
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var six = Vector128.Create(T.CreateTruncating(6)); return Vector128.ConditionalSelect(Vector128.LessThan(x, Vector128<T>.Zero), Vector128<T>.Zero, Vector128.ConditionalSelect(Vector128.GreaterThan(x, six), six, x)); }
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var six = Vector256.Create(T.CreateTruncating(6)); return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<T>.Zero), Vector256<T>.Zero, Vector256.ConditionalSelect(Vector256.GreaterThan(x, six), six, x)); }
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> { var six = Vector512.Create(T.CreateTruncating(6)); return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<T>.Zero), Vector512<T>.Zero, Vector512.ConditionalSelect(Vector512.GreaterThan(x, six), six, x)); }
}

/// <summary>
/// SELU: scale·x for x &gt; 0, else scale·α·(exp(x) − 1). exp − 1 (not expm1) as libtorch's vector path
/// computes it; the absolute error near 0 stays at the rounding of 1.
/// </summary>
internal readonly struct SeluOp : IVectorUnary
{
    internal const double Alpha = 1.6732632423543772848170429916717, Scale = 1.0507009873554804934193349852946;

    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        => x > T.Zero ? x * T.CreateTruncating(Scale) : (T.Exp(x) - T.One) * T.CreateTruncating(Alpha * Scale);
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128<T>.Zero), x * T.CreateTruncating(Scale), (VMath.Exp(x) - Vector128<T>.One) * T.CreateTruncating(Alpha * Scale));
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256<T>.Zero), x * T.CreateTruncating(Scale), (VMath.Exp(x) - Vector256<T>.One) * T.CreateTruncating(Alpha * Scale));
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
        => Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512<T>.Zero), x * T.CreateTruncating(Scale), (VMath.Exp(x) - Vector512<T>.One) * T.CreateTruncating(Alpha * Scale));
}

/// <summary>
/// Mish: x·tanh(softplus(x)). With e = exp(x), tanh(log(1 + e)) = n/(n + 2) where n = e(e + 2), one exp
/// and no tanh; past x = 20 the factor is 1 in any precision (and n would overflow), so x is returned.
/// </summary>
internal readonly struct MishOp : IVectorUnary
{
    internal const double Cutoff = 20;

    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x > T.CreateTruncating(Cutoff)) return x;
        T e = T.Exp(x), n = e * (e + T.CreateTruncating(2));
        return x * (n / (n + T.CreateTruncating(2)));
    }
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var two = Vector128.Create(T.CreateTruncating(2));
        var e = VMath.Exp(x); var n = e * (e + two);
        return Vector128.ConditionalSelect(Vector128.GreaterThan(x, Vector128.Create(T.CreateTruncating(Cutoff))), x, x * (n / (n + two)));
    }
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var two = Vector256.Create(T.CreateTruncating(2));
        var e = VMath.Exp(x); var n = e * (e + two);
        return Vector256.ConditionalSelect(Vector256.GreaterThan(x, Vector256.Create(T.CreateTruncating(Cutoff))), x, x * (n / (n + two)));
    }
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var two = Vector512.Create(T.CreateTruncating(2));
        var e = VMath.Exp(x); var n = e * (e + two);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(T.CreateTruncating(Cutoff))), x, x * (n / (n + two)));
    }
}

/// <summary>Hardswish: x·min(max(x + 3, 0), 6)/6, divided (not multiplied by 1/6) as libtorch does; NaN kept.</summary>
internal readonly struct HardswishOp : IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => x * HardsigmoidOp.Ramp(x) / T.CreateTruncating(6);
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x * HardsigmoidOp.Ramp(x) / Vector128.Create(T.CreateTruncating(6));
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x * HardsigmoidOp.Ramp(x) / Vector256.Create(T.CreateTruncating(6));
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => x * HardsigmoidOp.Ramp(x) / Vector512.Create(T.CreateTruncating(6));
}

/// <summary>Hardsigmoid: min(max(x + 3, 0), 6)/6; NaN kept.</summary>
internal readonly struct HardsigmoidOp : IVectorUnary
{
    /// <summary>min(max(x + 3, 0), 6), selecting so that NaN passes through.</summary>
    internal static T Ramp<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu6Op().Scalar(x + T.CreateTruncating(3));
    internal static Vector128<T> Ramp<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu6Op().V128(x + Vector128.Create(T.CreateTruncating(3)));
    internal static Vector256<T> Ramp<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu6Op().V256(x + Vector256.Create(T.CreateTruncating(3)));
    internal static Vector512<T> Ramp<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => new Relu6Op().V512(x + Vector512.Create(T.CreateTruncating(3)));

    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => Ramp(x) / T.CreateTruncating(6);
    public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Ramp(x) / Vector128.Create(T.CreateTruncating(6));
    public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Ramp(x) / Vector256.Create(T.CreateTruncating(6));
    public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Ramp(x) / Vector512.Create(T.CreateTruncating(6));
}

/// <summary>PReLU: a = input, b = its (broadcast) slope: a where a &gt; 0, else a·b.</summary>
internal readonly struct PreluOp : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a > T.Zero ? a : a * b;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<T>.Zero), a, a * b);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<T>.Zero), a, a * b);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<T>.Zero), a, a * b);
}
