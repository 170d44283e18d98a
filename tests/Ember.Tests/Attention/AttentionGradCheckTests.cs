using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Attention;

/// <summary>Finite-difference checks (Float64) of the fused attention's backward and of the layers built on it.</summary>
public sealed class AttentionGradCheckTests
{
    static Tensor Leaf(Random rng, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var t = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), shape);
        t.RequiresGrad = true;
        return t;
    }

    static void Check(Func<Tensor[], Tensor> f, params Tensor[] inputs)
        => Assert.True(Autograd.GradCheck(f, inputs), "analytic and finite-difference gradients differ");

    [Theory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(2, 5, 7, 3, 4)]
    [InlineData(1, 3, 130, 2, 3)]  // S spans two key blocks
    [InlineData(1, 130, 4, 3, 2)]  // L spans two query blocks
    public void PlainAttention(int b, int l, int s, int d, int dv)
    {
        var rng = new Random(l * 100 + s);
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2]), Leaf(rng, b, l, d), Leaf(rng, b, s, d), Leaf(rng, b, s, dv));
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(3, 6)]
    [InlineData(6, 3)]
    [InlineData(130, 130)]
    [InlineData(70, 140)]
    public void CausalAttention(int l, int s)
    {
        var rng = new Random(l * 7 + s);
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true), Leaf(rng, 1, l, 2), Leaf(rng, 1, s, 2), Leaf(rng, 1, s, 3));
    }

    [Theory]
    [InlineData(5, 200)]
    [InlineData(140, 140)]
    public void CausalAttention_EnoughSlicesForOneThreadPerSlice(int l, int s)
    {
        // Enough batch slices that each thread owns whole slices and writes dq, dk and dv without clearing
        // them first; with 200 keys and 5 queries the second key block is seen by no query at all.
        var rng = new Random(l + 3 * s);
        int b = 4 * Threading.NumThreads + 1;
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true), Leaf(rng, b, l, 2), Leaf(rng, b, s, 2), Leaf(rng, b, s, 3));
    }

    [Fact]
    public void BoolAndFloatMasksAndCustomScale()
    {
        var rng = new Random(3);
        var keep = Tensor.FromArray(Enumerable.Range(0, 4 * 5).Select(i => i % 5 == 0 || rng.Next(2) == 0).ToArray(), 4, 5);
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], keep, scale: 0.7), Leaf(rng, 2, 4, 3), Leaf(rng, 2, 5, 3), Leaf(rng, 2, 5, 2));
        var add = Tensor.FromArray(Enumerable.Range(0, 2 * 4 * 5).Select(i => i % 7 == 3 ? double.NegativeInfinity : rng.NextDouble()).ToArray(), 2, 1, 4, 5);
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], add), Leaf(rng, 2, 3, 4, 3), Leaf(rng, 2, 3, 5, 3), Leaf(rng, 2, 3, 5, 2));
    }

    [Fact]
    public void LearnedFloatMaskGetsItsGradient()
    {
        var rng = new Random(9);
        // A bias broadcast over the batch, as a relative-position bias is: its gradient sums over it.
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], x[3]),
            Leaf(rng, 2, 4, 3), Leaf(rng, 2, 130, 3), Leaf(rng, 2, 130, 2), Leaf(rng, 4, 130));
    }

    [Fact]
    public void BroadcastKeysAndValues()
    {
        var rng = new Random(4);
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2]), Leaf(rng, 2, 3, 4, 3), Leaf(rng, 3, 5, 3), Leaf(rng, 1, 3, 5, 2));
    }

    [Fact]
    public void DropoutWithAFixedSeed()
    {
        var rng = new Random(5);
        // Each call draws its mask from a fresh generator with the same seed, so the function is deterministic.
        Check(x => F.ScaledDotProductAttention(x[0], x[1], x[2], dropoutP: 0.3, generator: new Generator(11)),
            Leaf(rng, 2, 5, 3), Leaf(rng, 2, 130, 3), Leaf(rng, 2, 130, 2));
    }

    [Fact]
    public void RotaryEmbedding()
    {
        var rng = new Random(6);
        var (cos, sin) = F.RotaryTables(5, 4, dtype: DType.Float64);
        Check(x => F.ApplyRotaryEmbedding(x[0], cos, sin), Leaf(rng, 2, 5, 4));
    }

    [Fact]
    public void MultiheadAttentionWithFloat64Inputs()
    {
        // Float64 inputs promote the float32 weights, so the whole layer runs in Float64.
        var rng = new Random(7);
        var mha = new MultiheadAttention(4, 2, generator: new Generator(1));
        var kpm = Tensor.FromArray(new[] { false, false, true, false, false, false }, 2, 3);
        Check(x => mha.Forward(x[0], x[1], x[2], null, kpm).Output, Leaf(rng, 2, 2, 4), Leaf(rng, 3, 2, 4), Leaf(rng, 3, 2, 4));
    }
}
