using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Attention;

/// <summary>Sinusoidal, learned and rotary position encodings against their defining formulas.</summary>
public sealed class PositionalEncodingTests
{
    [Fact]
    public void SinusoidalTableFollowsTheFormula()
    {
        const int len = 50, d = 10;
        var pe = new SinusoidalPositionalEncoding(d, maxLen: len);
        var table = pe.Pe.ToArray<float>();
        for (int p = 0; p < len; p++)
            for (int i = 0; i < d; i++)
            {
                double angle = p / Math.Pow(10000, 2 * (i / 2) / (double)d);
                double expected = i % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle);
                Assert.True(Math.Abs(table[p * d + i] - expected) < 1e-6, $"pe[{p}, {i}] = {table[p * d + i]}, expected {expected}");
            }
        Assert.Empty(pe.StateDict()); // a fixed buffer, recomputed rather than saved
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SinusoidalEncodingAddsThePositionToEveryBatchElement(bool batchFirst)
    {
        const int len = 4, n = 3, d = 6;
        var pe = new SinusoidalPositionalEncoding(d, maxLen: 10, batchFirst: batchFirst);
        using var x = Tensor.Randn(batchFirst ? [n, len, d] : [len, n, d], new Generator(1));
        using var y = pe.Forward(x);
        var xs = x.ToArray<float>();
        var ys = y.ToArray<float>();
        var table = pe.Pe.ToArray<float>();
        for (int a = 0; a < (batchFirst ? n : len); a++)
            for (int b = 0; b < (batchFirst ? len : n); b++)
                for (int c = 0; c < d; c++)
                {
                    int pos = batchFirst ? b : a, idx = (a * (batchFirst ? len : n) + b) * d + c;
                    Assert.Equal(xs[idx] + table[pos * d + c], ys[idx], 6);
                }
        using var tooLong = Tensor.Zeros(11, 1, d);
        Assert.Contains("maxLen", Assert.Throws<ArgumentException>(() => pe.Forward(batchFirst ? Tensor.Zeros(1, 11, d) : tooLong)).Message);
    }

    [Fact]
    public void LearnedEncodingAddsEmbeddingRowsAndTrains()
    {
        var pe = new LearnedPositionalEncoding(8, 4, batchFirst: true, generator: new Generator(2));
        Assert.Equal(["embedding.weight"], pe.NamedParameters().Select(p => p.Name));
        using var x = Tensor.Randn([2, 3, 4], new Generator(3));
        using var y = pe.Forward(x);
        var w = pe.Embedding.Weight.ToArray<float>();
        var xs = x.ToArray<float>();
        var ys = y.ToArray<float>();
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < 3; p++)
                for (int c = 0; c < 4; c++)
                    Assert.Equal(xs[(b * 3 + p) * 4 + c] + w[p * 4 + c], ys[(b * 3 + p) * 4 + c], 6);
        using var loss = y.Sum();
        loss.Backward();
        var g = pe.Embedding.Weight.Grad!.ToArray<float>();
        for (int p = 0; p < 8; p++)
            for (int c = 0; c < 4; c++) Assert.Equal(p < 3 ? 2f : 0f, g[p * 4 + c]); // two batch elements use each of the first 3 rows
    }

    [Fact]
    public void RotaryEmbeddingRotatesEachPairByItsAngle()
    {
        const int len = 5, d = 8, half = d / 2;
        using var x = Tensor.Randn([2, len, d], new Generator(4));
        var rope = new RotaryEmbedding(d, theta: 100);
        using var y = rope.Forward(x, offset: 3);
        var xs = x.ToArray<float>();
        var ys = y.ToArray<float>();
        for (int b = 0; b < 2; b++)
            for (int p = 0; p < len; p++)
                for (int m = 0; m < half; m++)
                {
                    double angle = (p + 3) * Math.Pow(100, -2.0 * m / d);
                    int row = (b * len + p) * d;
                    double x1 = xs[row + m], x2 = xs[row + m + half];
                    Assert.Equal(x1 * Math.Cos(angle) - x2 * Math.Sin(angle), ys[row + m], 5);
                    Assert.Equal(x2 * Math.Cos(angle) + x1 * Math.Sin(angle), ys[row + m + half], 5);
                }
    }

    [Fact]
    public void RotaryScoresDependOnlyOnTheRelativeOffset()
    {
        const int d = 6;
        using var q = Tensor.Randn([1, d], new Generator(5)).To(DType.Float64);
        using var k = Tensor.Randn([1, d], new Generator(6)).To(DType.Float64);
        double Score(int pq, int pk)
        {
            var (cq, sq) = F.RotaryTables(1, d, offset: pq, dtype: DType.Float64);
            var (ck, sk) = F.RotaryTables(1, d, offset: pk, dtype: DType.Float64);
            using var rq = F.ApplyRotaryEmbedding(q, cq, sq);
            using var rk = F.ApplyRotaryEmbedding(k, ck, sk);
            using var prod = rq * rk;
            using var s = prod.Sum();
            return s.Item<double>();
        }
        Assert.Equal(Score(2, 0), Score(9, 7), 10);
        Assert.Equal(Score(0, 5), Score(4, 9), 10);
        Assert.NotEqual(Score(2, 0), Score(0, 2), 6);
    }

    [Fact]
    public void RotaryChecksItsInputs()
    {
        Assert.Throws<ArgumentException>(() => new RotaryEmbedding(5));
        var rope = new RotaryEmbedding(4);
        using var x = Tensor.Zeros(3, 6);
        Assert.Contains("[..., L, 4]", Assert.Throws<ArgumentException>(() => rope.Forward(x)).Message);
        var (cos, sin) = F.RotaryTables(2, 6);
        Assert.Contains("must both be [3, 6]", Assert.Throws<ArgumentException>(() => F.ApplyRotaryEmbedding(x, cos, sin)).Message);
    }
}
