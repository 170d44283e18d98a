using Ember.Models;
using Xunit;

namespace Ember.Tests.Models;

public sealed class GptTests
{
    static Gpt Tiny(GptPositions positions = GptPositions.Learned, bool tie = true, int vocab = 17, int block = 12)
    {
        var gpt = new Gpt(new GptConfig(vocab, block, Layers: 2, Heads: 2, DModel: 16, Dropout: 0.1, positions, tie), new Generator(42));
        gpt.Eval();
        return gpt;
    }

    static Tensor Ids(long[] ids, int b, int t) => Tensor.FromArray(ids, b, t);

    [Theory]
    [InlineData(GptPositions.Learned, true)]
    [InlineData(GptPositions.Rotary, false)]
    public void ForwardGivesLogitsPerPosition(GptPositions positions, bool tie)
    {
        var gpt = Tiny(positions, tie);
        using var ids = Ids([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2, 5);
        using var logits = gpt.Forward(ids);
        Assert.Equal([2, 5, 17], logits.Shape);
        Assert.Equal(DType.Float32, logits.DType);
        using var one = Tensor.FromArray(new long[] { 3, 1, 4 }, 3);
        using var unbatched = gpt.Forward(one);
        Assert.Equal([3, 17], unbatched.Shape);
    }

    [Theory]
    [InlineData(GptPositions.Learned)]
    [InlineData(GptPositions.Rotary)]
    public void ChangingALaterTokenLeavesEarlierLogitsAlone(GptPositions positions)
    {
        var gpt = Tiny(positions);
        long[] a = [1, 5, 9, 2, 6, 5, 3, 5];
        long[] b = (long[])a.Clone();
        b[5] = 16;
        using var ia = Ids(a, 1, 8);
        using var ib = Ids(b, 1, 8);
        using var la = gpt.Forward(ia);
        using var lb = gpt.Forward(ib);
        var x = la.ToArray<float>();
        var y = lb.ToArray<float>();
        int v = 17;
        for (int i = 0; i < 5 * v; i++) Assert.Equal(x[i], y[i]);
        Assert.Contains(Enumerable.Range(5 * v, 3 * v), i => x[i] != y[i]);
    }

    [Fact]
    public void ParametersFollowNanoGptNamesAndTying()
    {
        var tied = Tiny();
        var names = tied.NamedParameters().Select(p => p.Name).ToList();
        Assert.Equal("wte.weight", names[0]);
        Assert.Equal("wpe.weight", names[1]);
        Assert.Contains("h.1.attn.c_attn.weight", names);
        Assert.Contains("h.0.mlp.c_proj.bias", names);
        Assert.DoesNotContain(names, n => n.StartsWith("lm_head", StringComparison.Ordinal));
        var untied = Tiny(GptPositions.Rotary, tie: false);
        var un = untied.NamedParameters().Select(p => p.Name).ToList();
        Assert.Contains("lm_head.weight", un);
        Assert.DoesNotContain("wpe.weight", un);
    }

    [Fact]
    public void InitialisationFollowsGpt2()
    {
        var gpt = new Gpt(new GptConfig(500, 64, Layers: 8, Heads: 4, DModel: 64), new Generator(1));
        double Std(Tensor t) { var v = t.ToArray<float>(); double m = v.Average(x => (double)x); return Math.Sqrt(v.Average(x => (x - m) * (x - m))); }
        var p = gpt.NamedParameters().ToDictionary(x => x.Name, x => (Tensor)x.Parameter);
        Assert.InRange(Std(p["wte.weight"]), 0.019, 0.021);
        Assert.InRange(Std(p["h.0.mlp.c_fc.weight"]), 0.019, 0.021);
        double residual = 0.02 / Math.Sqrt(16);
        Assert.InRange(Std(p["h.3.mlp.c_proj.weight"]), 0.95 * residual, 1.05 * residual);
        Assert.InRange(Std(p["h.3.attn.c_proj.weight"]), 0.9 * residual, 1.1 * residual);
        Assert.All(p["h.2.attn.c_attn.bias"].ToArray<float>(), v => Assert.Equal(0f, v));
        Assert.All(p["h.2.ln_1.weight"].ToArray<float>(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void BadInputsAreRejected()
    {
        var gpt = Tiny(block: 4);
        using var longIds = Ids([1, 2, 3, 4, 5], 1, 5);
        Assert.Contains("block size 4", Assert.Throws<ArgumentException>(() => gpt.Forward(longIds)).Message);
        using var floats = Tensor.Zeros(1, 3);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => gpt.Forward(floats)).Message);
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => new Gpt(new GptConfig(10, DModel: 10, Heads: 4))).Message);
        Assert.Throws<ArgumentException>(() => new GptConfig(0).Validate());
        Assert.Throws<ArgumentException>(() => new GptConfig(10, Dropout: 1).Validate());
        Assert.Contains("even", Assert.Throws<ArgumentException>(() => new GptConfig(10, DModel: 12, Heads: 4, Positions: GptPositions.Rotary).Validate()).Message);
    }

    [Fact]
    public void SaveAndLoadRestoreTheSameLogits()
    {
        var gpt = Tiny();
        var path = Path.Combine(Path.GetTempPath(), $"ember-gpt-{Guid.NewGuid():N}.safetensors");
        try
        {
            gpt.Save(path);
            var other = new Gpt(gpt.Config, new Generator(7));
            other.Eval();
            other.Load(path);
            using var ids = Ids([3, 1, 4, 1, 5], 1, 5);
            using var a = gpt.Forward(ids);
            using var b = other.Forward(ids);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ConfigRoundTripsThroughJson()
    {
        var config = new GptConfig(65, 128, Layers: 3, Heads: 4, DModel: 64, Dropout: 0.2, GptPositions.Rotary, TieWeights: false, Bias: false);
        var json = config.ToJson();
        Assert.Contains("\"Rotary\"", json);
        Assert.Equal(config, GptConfig.FromJson(json));
        Assert.Throws<ArgumentException>(() => GptConfig.FromJson("{\"VocabSize\": 10, \"DModel\": 10, \"Heads\": 3}"));
        Assert.Throws<FormatException>(() => GptConfig.FromJson("[1, 2]"));
    }
}
