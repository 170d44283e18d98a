using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>Embedding, Bilinear, Identity and Unflatten as layers: PyTorch's parameters, behaviour and argument checks.</summary>
public class NNLayerTests
{
    static Tensor Idx(params long[] v) => Tensor.FromArray(v, v.Length);

    [Fact]
    public void EmbeddingZeroesThePaddingRowAndNeverUpdatesIt()
    {
        var emb = new Embedding(5, 3, paddingIdx: -2, generator: new Generator(1));
        Assert.Equal(3, emb.PaddingIdx);
        Assert.Equal([5, 3], emb.Weight.Shape);
        var w = emb.Weight.ToArray<float>();
        Assert.All(w.Skip(9).Take(3), v => Assert.Equal(0f, v));
        Assert.Contains(w.Take(9), v => v != 0);

        using var y = emb.Forward(Tensor.FromArray(new long[] { 3, 1, 3, 0 }, 2, 2));
        Assert.Equal([2, 2, 3], y.Shape);
        using (var s = y.Sum()) s.Backward();
        var g = emb.Weight.Grad!.ToArray<float>();
        Assert.Equal([1f, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], g);
    }

    [Fact]
    public void EmbeddingMaxNormRenormalisesLookedUpRowsInPlace()
    {
        var emb = new Embedding(4, 8, maxNorm: 0.5, generator: new Generator(2));
        var before = emb.Weight.ToArray<float>();
        using var y = emb.Forward(Idx(2, 0, 2));
        var after = emb.Weight.ToArray<float>();
        double Norm(float[] w, int row) => Math.Sqrt(w.Skip(row * 8).Take(8).Sum(v => (double)v * v));
        Assert.InRange(Norm(after, 0), 0.49, 0.5);
        Assert.InRange(Norm(after, 2), 0.49, 0.5);
        Assert.Equal(before.Skip(8).Take(8), after.Skip(8).Take(8));    // row 1 was not looked up
        Assert.Equal(after.Take(8), y.ToArray<float>().Skip(8).Take(8)); // the lookup sees the renormalised row
    }

    [Fact]
    public void FromPretrainedSharesTheWeightsAndFreezesByDefault()
    {
        using var weights = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 3, 2);
        var frozen = Embedding.FromPretrained(weights);
        Assert.False(frozen.Weight.RequiresGrad);
        Assert.Equal(0, frozen.TrainableParameterCount);
        using var y = frozen.Forward(Idx(2, 0));
        Assert.Equal([5f, 6, 1, 2], y.ToArray<float>());
        using (Autograd.NoGrad()) frozen.Weight.FillInPlace(0);
        Assert.All(weights.ToArray<float>(), v => Assert.Equal(0f, v));

        var trainable = Embedding.FromPretrained(weights, freeze: false, paddingIdx: 1);
        Assert.True(trainable.Weight.RequiresGrad);
        Assert.Equal("Embedding(3, 2, padding_idx=1)", trainable.ToString());
        Assert.Throws<ArgumentException>(() => Embedding.FromPretrained(Tensor.Zeros(3)));
    }

    [Fact]
    public void EmbeddingRejectsBadIndicesAndSettings()
    {
        var emb = new Embedding(4, 2);
        var e = Assert.Throws<ArgumentException>(() => emb.Forward(Idx(1, 4)));
        Assert.Contains("index 4 is out of range for 4 embeddings", e.Message);
        Assert.Throws<ArgumentException>(() => emb.Forward(Idx(-1)));
        var f = Assert.Throws<ArgumentException>(() => emb.Forward(Tensor.Zeros(2)));
        Assert.Contains("Float32", f.Message);
        var p = Assert.Throws<ArgumentException>(() => new Embedding(4, 2, paddingIdx: 4));
        Assert.Contains("paddingIdx 4", p.Message);
        Assert.Throws<ArgumentException>(() => new Embedding(4, 2, paddingIdx: -5));
        Assert.Throws<ArgumentException>(() => new Embedding(4, 2, maxNorm: -1));
        Assert.Throws<ArgumentException>(() => F.Embedding(Idx(0), Tensor.Zeros(3)));
    }

    [Fact]
    public void BilinearHasPyTorchsParametersAndTakesAPairOrTwoArguments()
    {
        var bil = new Bilinear(3, 4, 2, generator: new Generator(3));
        Assert.Equal(["weight", "bias"], bil.NamedParameters().Select(p => p.Name));
        Assert.Equal([2, 3, 4], bil.Weight.Shape);
        Assert.Equal([2], bil.Bias!.Shape);
        Assert.True(bil.Weight.ToArray<float>().Max(Math.Abs) <= 1 / Math.Sqrt(3));
        using var x1 = Tensor.Randn([5, 3], new Generator(4));
        using var x2 = Tensor.Randn([5, 4], new Generator(5));
        using var a = bil.Forward((x1, x2));
        using var b = bil.Forward(x1, x2);
        Assert.Equal([5, 2], a.Shape);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Null(new Bilinear(1, 1, 1, bias: false).Bias);
    }

    [Fact]
    public void BilinearRejectsShapesThatDoNotFit()
    {
        var bil = new Bilinear(3, 4, 2);
        var e = Assert.Throws<ArgumentException>(() => bil.Forward(Tensor.Zeros(5, 3), Tensor.Zeros(5, 3)));
        Assert.Contains("[5, 3] and [5, 3]", e.Message);
        Assert.Contains("[2, 3, 4]", e.Message);
        Assert.Throws<ArgumentException>(() => bil.Forward(Tensor.Zeros(5, 3), Tensor.Zeros(6, 4)));
        Assert.Throws<ArgumentException>(() => F.Bilinear(Tensor.Zeros(5, 3), Tensor.Zeros(5, 4), Tensor.Zeros(2, 3, 4), Tensor.Zeros(3)));
    }

    [Fact]
    public void IdentityPassesValuesAndGradients()
    {
        using var x = Tensor.Randn([2, 3], new Generator(6), requiresGrad: true);
        using var y = new Identity().Forward(x);
        Assert.NotSame(x, y);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
        using (var s = (y * 3).Sum()) s.Backward();
        Assert.All(x.Grad!.ToArray<float>(), g => Assert.Equal(3f, g));
    }

    [Fact]
    public void UnflattenSplitsOneDim()
    {
        using var x = Tensor.Arange(0, 24).Reshape(2, 12);
        using var a = new Unflatten(1, 3, 4).Forward(x);
        Assert.Equal([2, 3, 4], a.Shape);
        using var b = new Unflatten(-1, 2, -1, 3).Forward(x);
        Assert.Equal([2, 2, 2, 3], b.Shape);
        Assert.Equal(x.ToArray<float>(), b.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => new Unflatten(1, 5, 2).Forward(x));
        Assert.Contains("size 12", e.Message);
        Assert.Throws<ArgumentException>(() => new Unflatten(1, -1, -1));
        Assert.Throws<ArgumentException>(() => new Unflatten(2, 3, 4).Forward(x));
        Assert.Equal("Unflatten(dim=1, unflattened_size=(12,))", new Unflatten(1, 12).ToString());
    }
}
