using System.Runtime.Intrinsics;
using Ember.Backends.Cpu;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// The vector bodies of the activation kernels added for the layers (ReLU6, SELU, Mish, Hardswish,
/// Hardsigmoid, PReLU) against their scalar bodies: every length from 0 to 3·width+1 so each width's
/// overlapping tail runs, in place and out of place, float and double, plus NaN, ±inf, the kinks and
/// the overflow edges. CI reruns these with AVX-512, AVX2 and all hardware intrinsics switched off.
/// </summary>
public class ActivationKernelTests
{
    static int MaxLength => 3 * Math.Max(Vector512<float>.Count, 16) + 1;

    static readonly float[] Specials =
        [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 3f, -3f, 6f, 20f, 20.5f, -20f, 60f, 100f, -100f, 1e30f, -1e30f, 1e-30f, -1e-30f];

    /// <summary>Seeded normal values, wide (σ = 4) to reach every branch, with the specials mixed in from length 40 on.</summary>
    static float[] Inputs(int n, int seed)
    {
        var g = new Generator((ulong)seed + 1);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(g.NextNormal() * 4);
        if (n >= 40) for (int i = 0; i < Specials.Length; i++) v[(i * 7 + seed) % n] = Specials[i];
        return v;
    }

    static bool Close(double got, double expected, double tol)
        => double.IsNaN(expected) ? double.IsNaN(got)
            : double.IsInfinity(expected) || double.IsInfinity(got) ? got == expected
            : Math.Abs(got - expected) <= tol * Math.Max(1, Math.Abs(expected));

    static void CheckUnary<TOp>(TOp op, double tol) where TOp : struct, IVectorUnary
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Inputs(n, n);
            var y = new float[n];
            Simd.Map(op, x, y);
            for (int i = 0; i < n; i++)
                Assert.True(Close(y[i], op.Scalar(x[i]), tol), $"{typeof(TOp).Name} n={n} x={x[i]}: vector {y[i]}, scalar {op.Scalar(x[i])}");
            Simd.Map(op, x, x); // in place: the overlapping last vector must not apply the function twice
            Assert.Equal(y, x);

            var xd = Inputs(n, n).Select(v => (double)v).ToArray();
            var yd = new double[n];
            Simd.Map(op, xd, yd);
            for (int i = 0; i < n; i++)
                Assert.True(Close(yd[i], op.Scalar(xd[i]), 1e-12), $"{typeof(TOp).Name} double n={n} x={xd[i]}: vector {yd[i]}, scalar {op.Scalar(xd[i])}");
        }
    }

    static void CheckBinary<TOp>(TOp op, double tol) where TOp : struct, IVectorBinary
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var a = Inputs(n, n + 500);
            var b = Inputs(n, n);
            var y = new float[n];
            Simd.Map(op, a, b, y);
            for (int i = 0; i < n; i++)
                Assert.True(Close(y[i], op.Scalar(a[i], b[i]), tol), $"{typeof(TOp).Name} n={n} a={a[i]} b={b[i]}: vector {y[i]}, scalar {op.Scalar(a[i], b[i])}");
            Simd.Map(op, a, b, a);
            Assert.Equal(y, a);

            var ad = Inputs(n, n + 500).Select(v => (double)v).ToArray();
            var bd = Inputs(n, n).Select(v => (double)v).ToArray();
            var yd = new double[n];
            Simd.Map(op, ad, bd, yd);
            for (int i = 0; i < n; i++)
                Assert.True(Close(yd[i], op.Scalar(ad[i], bd[i]), 1e-12), $"{typeof(TOp).Name} double n={n} a={ad[i]} b={bd[i]}: vector {yd[i]}, scalar {op.Scalar(ad[i], bd[i])}");
        }
    }

    [Fact] public void Relu6() => CheckUnary(new Relu6Op(), 0);
    [Fact] public void Selu() => CheckUnary(new SeluOp(), 1e-6);
    [Fact] public void Mish() => CheckUnary(new MishOp(), 1e-6);
    [Fact] public void Hardswish() => CheckUnary(new HardswishOp(), 0);
    [Fact] public void Hardsigmoid() => CheckUnary(new HardsigmoidOp(), 0);
    [Fact] public void Prelu() => CheckBinary(new PreluOp(), 0);
    [Fact] public void Relu6Gradient() => CheckBinary(new Relu6Grad(), 0);
    [Fact] public void SeluGradient() => CheckBinary(new SeluGrad(), 1e-6);
    [Fact] public void MishGradient() => CheckBinary(new MishGrad(), 2e-6);
    [Fact] public void HardswishGradient() => CheckBinary(new HardswishGrad(), 0);
    [Fact] public void HardsigmoidGradient() => CheckBinary(new HardsigmoidGrad(), 0);
    [Fact] public void PreluSlope() => CheckBinary(new PreluSlope(), 0);
    [Fact] public void PreluWeightGradient() => CheckBinary(new PreluWeightGrad(), 0);

    [Fact]
    public void MishStaysFiniteWhereExpOverflows()
    {
        float[] x = [80f, 88f, 89f, 200f, float.MaxValue, -88f, -104f, -200f];
        var y = new float[x.Length];
        Simd.Map(new MishOp(), x, y);
        for (int i = 0; i < x.Length; i++)
        {
            // softplus = log(1 + e), by its series where 1 + e rounds to 1 (.NET's LogP1 is log(1 + e)).
            double e = Math.Exp(x[i]), softplus = e < 1e-8 ? e - e * e / 2 : Math.Log(1 + e), expected = x[i] * Math.Tanh(softplus);
            Assert.True(Math.Abs(y[i] - expected) <= 1e-6 * Math.Abs(expected) + 1e-38, $"mish({x[i]}) = {y[i]}, expected {expected}");
        }
    }
}
