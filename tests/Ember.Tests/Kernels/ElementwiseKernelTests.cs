using System.Runtime.Intrinsics;
using Ember;
using Ember.Backends.Cpu;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// The SIMD drivers against their own scalar bodies, on every length from 0 to 3·width+1 so each
/// vector width's remainder path runs, in place and out of place. CI runs these again with AVX-512
/// and AVX2 switched off (DOTNET_EnableAVX512=0, DOTNET_EnableAVX2=0) to cover the lower levels.
/// </summary>
public class ElementwiseKernelTests
{
    public static int MaxLength => 3 * Math.Max(Vector512<float>.Count, 16) + 1;

    static float[] Inputs(int n, int seed)
    {
        var g = new Generator((ulong)seed);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(g.NextNormal() * 3);
        return v;
    }

    static void CheckUnary<TOp>(TOp op, double tol) where TOp : struct, IVectorUnary
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Inputs(n, n);
            var y = new float[n];
            Simd.Map(op, x, y);
            for (int i = 0; i < n; i++)
            {
                float expected = op.Scalar(x[i]);
                Assert.True(Math.Abs(y[i] - expected) <= tol * Math.Max(1, Math.Abs(expected)), $"{typeof(TOp).Name} n={n} i={i}: {y[i]} vs {expected}");
            }
            Simd.Map(op, x, x); // in place: the overlapping last vector must not apply the function twice
            Assert.Equal(y, x);
            var xd = Inputs(n, n).Select(v => (double)v).ToArray();
            var yd = new double[n];
            Simd.Map(op, xd, yd);
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(yd[i] - op.Scalar(xd[i])) <= 1e-12 * Math.Max(1, Math.Abs(yd[i])));
        }
    }

    static void CheckBinary<TOp>(TOp op, double tol) where TOp : struct, IVectorBinary
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var a = Inputs(n, n);
            var b = Inputs(n, n + 1000);
            var y = new float[n];
            Simd.Map(op, a, b, y);
            for (int i = 0; i < n; i++)
            {
                float expected = op.Scalar(a[i], b[i]);
                Assert.True(Math.Abs(y[i] - expected) <= tol * Math.Max(1, Math.Abs(expected)), $"{typeof(TOp).Name} n={n} i={i}: {y[i]} vs {expected}");
            }
            Simd.Map(op, a, b, a);
            Assert.Equal(y, a);
        }
    }

    [Fact] public void LeakyRelu() => CheckUnary(new LeakyReluOp(0.1), 0);

    [Fact]
    public void FastFloatExpIsAccurateAndHandlesTheEdges()
    {
        var x = Enumerable.Range(-1000, 2001).Select(i => i * 0.09f).Concat([float.NaN, float.PositiveInfinity, float.NegativeInfinity, -100f, 100f, 0f]).ToArray();
        var y = new float[x.Length];
        Simd.Map(new ExpProbe(), x, y);
        for (int i = 0; i < x.Length; i++)
        {
            double e = Math.Exp(x[i]);
            if (double.IsNaN(e)) Assert.True(float.IsNaN(y[i]));
            else if (double.IsInfinity(e) || e > float.MaxValue) Assert.Equal(float.PositiveInfinity, y[i]);
            else if (e < 1e-37) Assert.True(Math.Abs(y[i] - e) <= 1e-44 + 1e-6 * e, $"exp({x[i]}) = {y[i]:E}, expected {e:E}");
            else Assert.True(Math.Abs(y[i] - e) <= 2e-7 * e, $"exp({x[i]}) = {y[i]}, expected {e}");
        }
    }

    readonly struct ExpProbe : IVectorUnary
    {
        public T Scalar<T>(T x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => T.Exp(x);
        public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => VMath.Exp(x);
        public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => VMath.Exp(x);
        public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> => VMath.Exp(x);
    }
    [Fact] public void Silu() => CheckUnary(new SiluOp(), 1e-6);
    [Fact] public void GeluTanh() => CheckUnary(new GeluTanhOp(), 2e-6);
    [Fact] public void ReluGradient() => CheckBinary(new ReluGrad(), 0);
    [Fact] public void SigmoidGradient() => CheckBinary(new SigmoidGrad(), 1e-6);
    [Fact] public void TanhGradient() => CheckBinary(new TanhGrad(), 1e-6);
    [Fact] public void SiluGradient() => CheckBinary(new SiluGrad(), 1e-5);
    [Fact] public void EluGradient() => CheckBinary(new EluGrad(1.5), 1e-6);
    [Fact] public void SoftplusGradient() => CheckBinary(new SoftplusGrad(2, 20), 1e-6);

    [Fact]
    public void GeluFloatPathMatchesTheAccurateDoubleFormula()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var x = Inputs(n, n);
            var y = new float[n];
            new GeluOp().Span<float>(x, y);
            for (int i = 0; i < n; i++)
            {
                double expected = x[i] * SpecialFunctions.NormalCdf(x[i]);
                // erfc's absolute error (< 1.5e-7, halved in Φ) times |x|, plus float rounding.
                Assert.True(Math.Abs(y[i] - expected) <= 2e-7 * Math.Abs(x[i]) + 2e-7 * Math.Abs(expected) + 1e-30, $"n={n} x={x[i]}: {y[i]} vs {expected}");
            }
        }
    }

    [Fact]
    public void GeluGradientFloatPathMatchesTheAccurateFormula()
    {
        for (int n = 0; n <= MaxLength; n++)
        {
            var g = Inputs(n, n + 7);
            var x = Inputs(n, n);
            var y = new float[n];
            new GeluGrad().Span<float>(g, x, y);
            for (int i = 0; i < n; i++)
            {
                double expected = new GeluGrad().Scalar((double)g[i], (double)x[i]);
                Assert.True(Math.Abs(y[i] - expected) <= 5e-7 * Math.Abs(g[i]) * (1 + Math.Abs(x[i])), $"n={n} x={x[i]}: {y[i]} vs {expected}");
            }
        }
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(0.5, 0.4795001221869535)]
    [InlineData(1.0, 0.15729920705028513)]
    [InlineData(2.0, 0.004677734981047266)]
    [InlineData(3.0, 2.209049699858544e-05)]
    [InlineData(5.0, 1.5374597944280349e-12)]
    [InlineData(-1.0, 1.8427007929497148)]
    public void ErfcIsAccurate(double x, double expected)
        => Assert.True(Math.Abs(SpecialFunctions.Erfc(x) - expected) <= 1e-14 * expected, $"erfc({x}) = {SpecialFunctions.Erfc(x)}");

    [Fact]
    public void BroadcastRowsUseEveryOperandLayout()
    {
        // [3,1] with [1,4]: both operands broadcast along a different dim; [4] with a transposed [4,3] view.
        var a = Tensor.FromArray(new double[] { 1, 2, 3 }, 3, 1);
        var b = Tensor.FromArray(new double[] { 10, 20, 30, 40 }, 1, 4);
        Assert.Equal(new double[] { 11, 21, 31, 41, 12, 22, 32, 42, 13, 23, 33, 43 }, (a + b).ToArray<double>());
        var m = Tensor.Arange(0, 12).Reshape(3, 4).To(DType.Float64).T; // [4,3], strides [1,4]
        var row = Tensor.FromArray(new double[] { 100, 200, 300 });
        Assert.Equal(new double[] { 100, 204, 308, 101, 205, 309, 102, 206, 310, 103, 207, 311 }, (m + row).ToArray<double>());
        Assert.Equal(new double[] { 100, 196, 292, 99, 195, 291, 98, 194, 290, 97, 193, 289 }, (row - m).ToArray<double>());
    }

    [Fact]
    public void LongBroadcastRowsAreCutAcrossThreadsAndAgree()
    {
        // One long row (a tensor times a scalar), a strided one, and two rows for three threads: each
        // row is cut into pieces, whose offsets must follow the row strides.
        var g = new Generator(9);
        var x = Tensor.Randn([1 << 18], g);
        var wide = Tensor.Randn([2, 1 << 17], g);
        var bias = Tensor.Randn([1 << 17], g);
        float[][] Run()
        {
            using var strided = x.Slice(0, 1, 1 << 18, 2);
            using var scaled = x * 3f;
            using var stridedScaled = strided * -2f;
            using var added = wide + bias;
            using var filled = Tensor.Scalar(1.5f).Expand([1 << 18]).Contiguous();
            using var stridedCopy = strided.Contiguous();
            using var chosen = Tensor.Where(x.Gt(0), x, Tensor.Scalar(0f));
            return [scaled.ToArray<float>(), stridedScaled.ToArray<float>(), added.ToArray<float>(), filled.ToArray<float>(), stridedCopy.ToArray<float>(), chosen.ToArray<float>()];
        }
        Threading.SetNumThreads(3);
        float[][] threaded;
        try { threaded = Run(); }
        finally { Threading.SetNumThreads(1); }
        try
        {
            var single = Run();
            for (int i = 0; i < single.Length; i++) Assert.Equal(single[i], threaded[i]);
            var xs = x.ToArray<float>();
            Assert.Equal(xs[1] * 3f, threaded[0][1]);
            Assert.Equal(xs[(1 << 18) - 1] * -2f, threaded[1][^1]);
            Assert.All(threaded[3], v => Assert.Equal(1.5f, v));
        }
        finally { Threading.SetNumThreads(Environment.ProcessorCount); }
    }

    [Fact]
    public void LargeTensorsTakeTheThreadedPathAndAgree()
    {
        int n = 1 << 20;
        var x = Tensor.Randn([n], new Generator(5));
        var threaded = x.Gelu().ToArray<float>();
        Threading.SetNumThreads(1);
        try { Assert.Equal(threaded, x.Gelu().ToArray<float>()); }
        finally { Threading.SetNumThreads(Environment.ProcessorCount); }
    }
}
