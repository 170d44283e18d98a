using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Attention;

/// <summary>Scaled-dot-product attention beyond the reference values: dropout, edge cases and errors.</summary>
public sealed class SdpaBehaviourTests
{
    static Tensor R(ulong seed, params int[] shape) => Tensor.Randn(shape, new Generator(seed));

    /// <summary>softmax(q·kᵀ·scale + mask)·v composed from ordinary ops.</summary>
    static Tensor Explicit(Tensor q, Tensor k, Tensor v, Tensor? additiveMask = null)
    {
        using var kt = k.Transpose(-2, -1);
        using var s = q.MatMul(kt);
        using var scaled = s * (float)(1 / Math.Sqrt(q.Shape[^1]));
        using var masked = additiveMask is null ? scaled.Reshape(scaled.Shape) : scaled + additiveMask;
        using var p = masked.Softmax(-1);
        return p.MatMul(v);
    }

    [Fact]
    public void StridedAndBroadcastInputsEqualTheirContiguousCopies()
    {
        // Heads split out of one packed projection ([N, T, 3·H·D] → three [N, H, T, D] views), keys
        // broadcast over a batch dim (stride 0), and a value whose last dim is strided (copied): the
        // op reads the views in place and must give exactly what contiguous copies give, gradients too.
        const int n = 2, t = 37, h = 3, d = 8;
        var g = new Generator(11);
        using var packed = Tensor.Randn([n, t, 3 * h * d], g, requiresGrad: true);
        using var shared = Tensor.Randn([1, h, t, d], g, requiresGrad: true);
        using var wide = Tensor.Randn([n, h, t, 2 * d], g, requiresGrad: true);
        Tensor[] Inputs()
        {
            var parts = packed.Chunk(3, -1);
            var q = parts[0].Reshape(n, t, h, d).Transpose(1, 2);
            var k = shared.Expand([n, h, t, d]);
            var v = wide.Slice(3, 0, 2 * d, 2);   // every other element: last-dim stride 2
            return [q, k, v];
        }
        var views = Inputs();
        Assert.False(views[0].IsContiguous);
        using var o1 = F.ScaledDotProductAttention(views[0], views[1], views[2], isCausal: true);
        using var l1 = o1.Sum();
        l1.Backward();
        var grads1 = new[] { packed.Grad!.ToArray<float>(), shared.Grad!.ToArray<float>(), wide.Grad!.ToArray<float>() };
        packed.Grad = null; shared.Grad = null; wide.Grad = null;

        var copies = Inputs().Select(x => x.Contiguous()).ToArray();
        using var o2 = F.ScaledDotProductAttention(copies[0], copies[1], copies[2], isCausal: true);
        using var l2 = o2.Sum();
        l2.Backward();
        Assert.Equal(o2.ToArray<float>(), o1.ToArray<float>());
        Assert.Equal(packed.Grad!.ToArray<float>(), grads1[0]);
        Assert.Equal(shared.Grad!.ToArray<float>(), grads1[1]);
        Assert.Equal(wide.Grad!.ToArray<float>(), grads1[2]);
    }

    [Fact]
    public void HeadsSplitFromOneProjectionComeBackMergedWithoutACopy()
    {
        // The output is stored in q's order ([N, T, H, D] for heads split out of [N, T, H·D]), so merging
        // the heads is a view; the upstream gradient, strided the same way, is read in place, and q's
        // gradient comes back in that order too. Values and gradients equal those of contiguous copies.
        const int n = 2, t = 19, h = 4, d = 8;
        var g = new Generator(12);
        using var packed = Tensor.Randn([n, t, 3 * h * d], g, requiresGrad: true);
        using var weight = Tensor.Randn([n, t, h * d], g);
        Tensor[] Heads() => [.. packed.Chunk(3, -1).Select(part => part.Reshape(n, t, h, d).Transpose(1, 2))];
        (float[] Output, float[] Grad) Run(Tensor[] qkv)
        {
            using var o = F.ScaledDotProductAttention(qkv[0], qkv[1], qkv[2], isCausal: true);
            using var merged = o.Transpose(1, 2);
            if (!qkv[0].IsContiguous) Assert.True(merged.IsContiguous);
            using var flat = merged.Reshape(n, t, h * d);
            using var loss = (flat * weight).Sum();
            loss.Backward();
            var grad = packed.Grad!.ToArray<float>();
            packed.Grad = null;
            return (flat.ToArray<float>(), grad);
        }
        var inPlace = Run(Heads());
        var copied = Run([.. Heads().Select(x => x.Contiguous())]);
        Assert.Equal(copied.Output, inPlace.Output);
        Assert.Equal(copied.Grad, inPlace.Grad);
    }

    [Fact]
    public void DropoutIsSeededAndUnbiased()
    {
        using var q = R(1, 2, 6, 4);
        using var k = R(2, 2, 9, 4);
        using var v = R(3, 2, 9, 5);
        using var a = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.4, generator: new Generator(7));
        using var b = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.4, generator: new Generator(7));
        using var c = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.4, generator: new Generator(8));
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.NotEqual(a.ToArray<float>(), c.ToArray<float>());

        // Inverted dropout keeps the expectation: the mean over many masks approaches the plain output.
        using var plain = F.ScaledDotProductAttention(q, k, v);
        var sum = new double[plain.NumElements];
        const int draws = 400;
        var gen = new Generator(9);
        for (int t = 0; t < draws; t++)
        {
            using var o = F.ScaledDotProductAttention(q, k, v, dropoutP: 0.4, generator: gen);
            var values = o.ToArray<float>();
            for (int i = 0; i < sum.Length; i++) sum[i] += values[i] / draws;
        }
        var expected = plain.ToArray<float>();
        double worst = sum.Select((m, i) => Math.Abs(m - expected[i])).Max();
        Assert.True(worst < 0.25, $"the mean over {draws} dropout masks is {worst} away from the plain output");
    }

    [Fact]
    public void BoolMaskEqualsTheAdditiveMask()
    {
        using var q = R(1, 3, 5, 4);
        using var k = R(2, 3, 7, 4);
        using var v = R(3, 3, 7, 2);
        var keep = Enumerable.Range(0, 35).Select(i => i % 7 == 0 || i % 3 == 1).ToArray();
        using var boolMask = Tensor.FromArray(keep, 5, 7);
        using var addMask = Tensor.FromArray(keep.Select(x => x ? 0f : float.NegativeInfinity).ToArray(), 5, 7);
        using var a = F.ScaledDotProductAttention(q, k, v, boolMask);
        using var b = F.ScaledDotProductAttention(q, k, v, addMask);
        using var e = Explicit(q, k, v, addMask);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        AttentionFixtures.Close(e, a, 1e-5, 1e-5, "bool mask");
    }

    [Fact]
    public void FullyMaskedRowsGiveNaNAsSoftmaxDoes()
    {
        using var q = R(1, 2, 3);
        using var k = R(2, 4, 3);
        using var v = R(3, 4, 2);
        using var mask = Tensor.FromArray(new[] { true, true, false, true, false, false, false, false }, 2, 4);
        var o = F.ScaledDotProductAttention(q, k, v, mask).ToArray<float>();
        Assert.All(o[..2], x => Assert.True(float.IsFinite(x)));
        Assert.All(o[2..], x => Assert.True(float.IsNaN(x)));
    }

    [Fact]
    public void NoKeysGiveZeros()
    {
        using var q = R(1, 2, 3, 4);
        q.RequiresGrad = true;
        using var k = Tensor.Zeros(2, 0, 4);
        using var v = Tensor.Zeros(2, 0, 5);
        using var o = F.ScaledDotProductAttention(q, k, v);
        Assert.Equal([2, 3, 5], o.Shape);
        Assert.All(o.ToArray<float>(), x => Assert.Equal(0f, x));
        using var loss = o.Sum();
        loss.Backward();
        Assert.All(q.Grad!.ToArray<float>(), x => Assert.Equal(0f, x));
    }

    [Fact]
    public void Float64InputsStayFloat64AndMixedInputsPromote()
    {
        using var q = R(1, 2, 3).To(DType.Float64);
        using var k = R(2, 4, 3);
        using var v = R(3, 4, 2);
        using var o = F.ScaledDotProductAttention(q, k, v);
        Assert.Equal(DType.Float64, o.DType);
    }

    [Fact]
    public void BadInputsGetClearErrors()
    {
        using var q = R(1, 2, 5, 4);
        using var k = R(2, 2, 7, 4);
        using var v = R(3, 2, 7, 3);
        using var kBad = R(4, 2, 7, 6);
        using var vBad = R(5, 2, 6, 3);
        using var maskBad = Tensor.Zeros(5, 6);
        using var intMask = Tensor.FromArray(new long[35], 5, 7);
        using var mask = Tensor.Zeros(5, 7);
        Assert.Contains("same last dim", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, kBad, v)).Message);
        Assert.Contains("number of positions", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, vBad)).Message);
        Assert.Contains("cannot be broadcast", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, v, maskBad)).Message);
        Assert.Contains("Bool", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, v, intMask)).Message);
        Assert.Contains("not both", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, v, mask, isCausal: true)).Message);
        Assert.Contains("dropoutP", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(q, k, v, dropoutP: 1)).Message);
        using var vec = R(6, 4);
        Assert.Contains("at least 2 dims", Assert.Throws<ArgumentException>(() => F.ScaledDotProductAttention(vec, k, v)).Message);
    }
}
