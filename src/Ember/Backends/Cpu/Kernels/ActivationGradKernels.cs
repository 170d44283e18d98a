using System.Numerics;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

// Backward bodies of the activations, fused: grad_in = g · f'(saved) in one pass over (g, saved).
// `a` is the incoming gradient, `b` the saved input or output named in each comment.

/// <summary>b = relu output: block g where the output is 0 (a NaN output passes g, as in PyTorch).</summary>
internal readonly struct ReluGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => b <= T.Zero ? T.Zero : a;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(b, Vector128<T>.Zero), Vector128<T>.Zero, a);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(b, Vector256<T>.Zero), Vector256<T>.Zero, a);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(b, Vector512<T>.Zero), Vector512<T>.Zero, a);
}

/// <summary>b = leaky relu input.</summary>
internal readonly struct LeakyReluGrad(double slope) : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => b > T.Zero ? a : a * T.CreateTruncating(slope);
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(b, Vector128<T>.Zero), a, a * T.CreateTruncating(slope));
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(b, Vector256<T>.Zero), a, a * T.CreateTruncating(slope));
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512<T>.Zero), a, a * T.CreateTruncating(slope));
}

/// <summary>b = sigmoid output: g·y·(1−y).</summary>
internal readonly struct SigmoidGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a * b * (T.One - b);
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a * b * (Vector128<T>.One - b);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a * b * (Vector256<T>.One - b);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a * b * (Vector512<T>.One - b);
}

/// <summary>b = tanh output: g·(1−y²).</summary>
internal readonly struct TanhGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a * (T.One - b * b);
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a * (Vector128<T>.One - b * b);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a * (Vector256<T>.One - b * b);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a * (Vector512<T>.One - b * b);
}

/// <summary>b = silu input: g·s·(1 + x(1−s)) with s = sigmoid(x).</summary>
internal readonly struct SiluGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        double x = double.CreateTruncating(b), s = 1 / (1 + Math.Exp(-x));
        return a * T.CreateTruncating(s * (1 + x * (1 - s)));
    }
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> { var s = Vector128<T>.One / (Vector128<T>.One + VMath.Exp(-b)); return a * s * (Vector128<T>.One + b * (Vector128<T>.One - s)); }
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> { var s = Vector256<T>.One / (Vector256<T>.One + VMath.Exp(-b)); return a * s * (Vector256<T>.One + b * (Vector256<T>.One - s)); }
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> { var s = Vector512<T>.One / (Vector512<T>.One + VMath.Exp(-b)); return a * s * (Vector512<T>.One + b * (Vector512<T>.One - s)); }
}

/// <summary>b = elu input: g where x > 0, else g·α·exp(x).</summary>
internal readonly struct EluGrad(double alpha) : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => b > T.Zero ? a : a * T.CreateTruncating(alpha * Math.Exp(double.CreateTruncating(b)));
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(b, Vector128<T>.Zero), a, a * VMath.Exp(b) * T.CreateTruncating(alpha));
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(b, Vector256<T>.Zero), a, a * VMath.Exp(b) * T.CreateTruncating(alpha));
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512<T>.Zero), a, a * VMath.Exp(b) * T.CreateTruncating(alpha));
}

/// <summary>b = softplus input: g·sigmoid(βx), or g past the threshold.</summary>
internal readonly struct SoftplusGrad(double beta, double threshold) : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        double v = double.CreateTruncating(b) * beta;
        return v > threshold ? a : a * T.CreateTruncating(1 / (1 + Math.Exp(-v)));
    }
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> { var v = b * T.CreateTruncating(beta); return Vector128.ConditionalSelect(Vector128.GreaterThan(v, Vector128.Create(T.CreateTruncating(threshold))), a, a / (Vector128<T>.One + VMath.Exp(-v))); }
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> { var v = b * T.CreateTruncating(beta); return Vector256.ConditionalSelect(Vector256.GreaterThan(v, Vector256.Create(T.CreateTruncating(threshold))), a, a / (Vector256<T>.One + VMath.Exp(-v))); }
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> { var v = b * T.CreateTruncating(beta); return Vector512.ConditionalSelect(Vector512.GreaterThan(v, Vector512.Create(T.CreateTruncating(threshold))), a, a / (Vector512<T>.One + VMath.Exp(-v))); }
}

/// <summary>b = gelu input: g·(Φ(x) + x·φ(x)); float runs vectorised, double through the accurate scalar erfc.</summary>
internal readonly struct GeluGrad : IBinaryOp
{
    const float InvSqrt2 = 0.70710678118654752f, InvSqrt2Pi = 0.3989422804014327f;

    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        double x = double.CreateTruncating(b);
        double pdf = Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);
        return a * T.CreateTruncating(SpecialFunctions.NormalCdf(x) + x * pdf);
    }
    public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
    {
        if (typeof(T) == typeof(float) && Vector128.IsHardwareAccelerated)
            Simd.Map(new Vector(), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(a), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(b), System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(y));
        else for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b[i]);
    }
    public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T> { for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b); }
    public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> { for (int i = 0; i < y.Length; i++) y[i] = Scalar(a, b[i]); }

    readonly struct Vector : IVectorBinary
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => new GeluGrad().Scalar(a, b);
        public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T>
        {
            var x = b.AsSingle();
            var cdf = 0.5f * (Vector512<float>.One + SpecialFunctions.Erf(x * InvSqrt2));
            var pdf = VMath.Exp(x * x * -0.5f) * InvSqrt2Pi;
            return (a.AsSingle() * Vector512.FusedMultiplyAdd(x, pdf, cdf)).As<float, T>();
        }
        public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T>
        {
            var x = b.AsSingle();
            var cdf = 0.5f * (Vector256<float>.One + SpecialFunctions.Erf(x * InvSqrt2));
            var pdf = VMath.Exp(x * x * -0.5f) * InvSqrt2Pi;
            return (a.AsSingle() * Vector256.FusedMultiplyAdd(x, pdf, cdf)).As<float, T>();
        }
        public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T>
        {
            var x = b.AsSingle();
            var cdf = 0.5f * (Vector128<float>.One + SpecialFunctions.Erf(x * InvSqrt2));
            var pdf = VMath.Exp(x * x * -0.5f) * InvSqrt2Pi;
            return (a.AsSingle() * Vector128.FusedMultiplyAdd(x, pdf, cdf)).As<float, T>();
        }
    }
}

/// <summary>b = input of the tanh-approximated gelu.</summary>
internal readonly struct GeluTanhGrad : IBinaryOp
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        double x = double.CreateTruncating(b);
        double t = Math.Tanh(GeluTanhOp.K * (x + GeluTanhOp.C * x * x * x));
        double d = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GeluTanhOp.K * (1 + 3 * GeluTanhOp.C * x * x);
        return a * T.CreateTruncating(d);
    }
    public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> { for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b[i]); }
    public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T> { for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b); }
    public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> { for (int i = 0; i < y.Length; i++) y[i] = Scalar(a, b[i]); }
}

/// <summary>b = relu6 input: g inside (0, 6), else 0; a NaN input passes g (libtorch's hardtanh_backward).</summary>
internal readonly struct Relu6Grad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => b <= T.Zero || b >= T.CreateTruncating(6) ? T.Zero : a;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.LessThanOrEqual(b, Vector128<T>.Zero) | Vector128.GreaterThanOrEqual(b, Vector128.Create(T.CreateTruncating(6))), Vector128<T>.Zero, a);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.LessThanOrEqual(b, Vector256<T>.Zero) | Vector256.GreaterThanOrEqual(b, Vector256.Create(T.CreateTruncating(6))), Vector256<T>.Zero, a);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.LessThanOrEqual(b, Vector512<T>.Zero) | Vector512.GreaterThanOrEqual(b, Vector512.Create(T.CreateTruncating(6))), Vector512<T>.Zero, a);
}

/// <summary>b = selu input: g·scale where x &gt; 0, else g·scale·α·exp(x).</summary>
internal readonly struct SeluGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
        => b > T.Zero ? a * T.CreateTruncating(SeluOp.Scale) : a * T.CreateTruncating(SeluOp.Alpha * SeluOp.Scale * Math.Exp(double.CreateTruncating(b)));
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(b, Vector128<T>.Zero), a * T.CreateTruncating(SeluOp.Scale), a * VMath.Exp(b) * T.CreateTruncating(SeluOp.Alpha * SeluOp.Scale));
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(b, Vector256<T>.Zero), a * T.CreateTruncating(SeluOp.Scale), a * VMath.Exp(b) * T.CreateTruncating(SeluOp.Alpha * SeluOp.Scale));
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512<T>.Zero), a * T.CreateTruncating(SeluOp.Scale), a * VMath.Exp(b) * T.CreateTruncating(SeluOp.Alpha * SeluOp.Scale));
}

/// <summary>
/// b = mish input: g·(t + x·σ(x)·(1 − t²)) with t = tanh(softplus(x)). As in MishOp, t = n/(n + 2) with
/// n = e(e + 2), e = exp(x), so 1 − t² = 4(n + 1)/(n + 2)² without cancellation; past the cutoff it is g.
/// </summary>
internal readonly struct MishGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
    {
        double x = double.CreateTruncating(b);
        if (x > MishOp.Cutoff) return a;
        double e = Math.Exp(x), n = e * (e + 2), d = n + 2;
        return a * T.CreateTruncating(n / d + x * (e / (e + 1)) * (4 * (n + 1) / (d * d)));
    }
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T>
    {
        var one = Vector128<T>.One; var two = one + one;
        var e = VMath.Exp(b); var n = e * (e + two); var d = n + two;
        var slope = n / d + b * (e / (e + one)) * (two * two * (n + one) / (d * d));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(b, Vector128.Create(T.CreateTruncating(MishOp.Cutoff))), a, a * slope);
    }
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T>
    {
        var one = Vector256<T>.One; var two = one + one;
        var e = VMath.Exp(b); var n = e * (e + two); var d = n + two;
        var slope = n / d + b * (e / (e + one)) * (two * two * (n + one) / (d * d));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(b, Vector256.Create(T.CreateTruncating(MishOp.Cutoff))), a, a * slope);
    }
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T>
    {
        var one = Vector512<T>.One; var two = one + one;
        var e = VMath.Exp(b); var n = e * (e + two); var d = n + two;
        var slope = n / d + b * (e / (e + one)) * (two * two * (n + one) / (d * d));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512.Create(T.CreateTruncating(MishOp.Cutoff))), a, a * slope);
    }
}

/// <summary>
/// b = hardswish input: 0 below −3, g·(x/3 + 1/2) below 3, g from 3 on; NaN gives NaN. This is libtorch's
/// vector path, which every contiguous tensor takes (its scalar path would give 1.5·g at x = 3).
/// </summary>
internal readonly struct HardswishGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
        => b < T.CreateTruncating(-3) ? T.Zero : b >= T.CreateTruncating(3) ? a : a * (b / T.CreateTruncating(3) + T.CreateTruncating(0.5));
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector128.Create(T.CreateTruncating(3));
        var mid = Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(b, three), a, a * (b / three + Vector128.Create(T.CreateTruncating(0.5))));
        return Vector128.ConditionalSelect(Vector128.LessThan(b, -three), Vector128<T>.Zero, mid);
    }
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector256.Create(T.CreateTruncating(3));
        var mid = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(b, three), a, a * (b / three + Vector256.Create(T.CreateTruncating(0.5))));
        return Vector256.ConditionalSelect(Vector256.LessThan(b, -three), Vector256<T>.Zero, mid);
    }
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector512.Create(T.CreateTruncating(3));
        var mid = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(b, three), a, a * (b / three + Vector512.Create(T.CreateTruncating(0.5))));
        return Vector512.ConditionalSelect(Vector512.LessThan(b, -three), Vector512<T>.Zero, mid);
    }
}

/// <summary>
/// b = hardsigmoid input: g/6 strictly inside (−3, 3), else 0. The 1/6 is libtorch's float constant
/// (1.0f / 6.0f) in every dtype, so float64 results agree with PyTorch's to the last bit.
/// </summary>
internal readonly struct HardsigmoidGrad : IVectorBinary
{
    const double OneSixth = 1.0f / 6.0f;
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
        => b > T.CreateTruncating(-3) && b < T.CreateTruncating(3) ? a * T.CreateTruncating(OneSixth) : T.Zero;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector128.Create(T.CreateTruncating(3));
        return Vector128.ConditionalSelect(Vector128.GreaterThan(b, -three) & Vector128.LessThan(b, three), a * T.CreateTruncating(OneSixth), Vector128<T>.Zero);
    }
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector256.Create(T.CreateTruncating(3));
        return Vector256.ConditionalSelect(Vector256.GreaterThan(b, -three) & Vector256.LessThan(b, three), a * T.CreateTruncating(OneSixth), Vector256<T>.Zero);
    }
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T>
    {
        var three = Vector512.Create(T.CreateTruncating(3));
        return Vector512.ConditionalSelect(Vector512.GreaterThan(b, -three) & Vector512.LessThan(b, three), a * T.CreateTruncating(OneSixth), Vector512<T>.Zero);
    }
}

/// <summary>PReLU's input slope: a = input, b = its slope: 1 where a &gt; 0, else b (the input gradient is g times this).</summary>
internal readonly struct PreluSlope : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a > T.Zero ? T.One : b;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(a, Vector128<T>.Zero), Vector128<T>.One, b);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(a, Vector256<T>.Zero), Vector256<T>.One, b);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(a, Vector512<T>.Zero), Vector512<T>.One, b);
}

/// <summary>PReLU's weight gradient before the reduction: a = g, b = input: g·x where x ≤ 0, else 0.</summary>
internal readonly struct PreluWeightGrad : IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => b > T.Zero ? T.Zero : a * b;
    public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => Vector128.ConditionalSelect(Vector128.GreaterThan(b, Vector128<T>.Zero), Vector128<T>.Zero, a * b);
    public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => Vector256.ConditionalSelect(Vector256.GreaterThan(b, Vector256<T>.Zero), Vector256<T>.Zero, a * b);
    public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => Vector512.ConditionalSelect(Vector512.GreaterThan(b, Vector512<T>.Zero), Vector512<T>.Zero, a * b);
}
