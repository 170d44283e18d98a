using Ember.Models;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Models;

/// <summary>
/// Finite-difference checks (Float64) of a tiny Gpt's backward. Its modules hold float32 weights (and
/// LayerNorm does not mix dtypes), so the check runs the same computation written with the functional ops
/// the blocks call, over Float64 copies of every weight; <see cref="FunctionalFormIsTheModel"/> pins that
/// form to the module's own output. The module's float32 gradients are compared with PyTorch's in
/// <see cref="GptFixtureTests"/>.
/// </summary>
public sealed class GptGradCheckTests
{
    static Gpt Tiny(GptPositions positions, bool tie)
    {
        var gpt = new Gpt(new GptConfig(7, 6, Layers: 1, Heads: 2, DModel: 8, Dropout: 0, positions, tie), new Generator(3));
        // Larger weights than GPT-2's 0.02 so every path carries a visible gradient.
        using (Autograd.NoGrad())
            foreach (var p in gpt.Parameters())
                if (p.Rank == 2) Ember.NN.Init.Normal(p, 0, 0.4, new Generator(8));
        return gpt;
    }

    /// <summary>Gpt.ForwardEmbedded written out: embeddings x [B, T, d] and the weights by name → logits.</summary>
    static Tensor Reference(GptConfig c, Tensor x, IReadOnlyDictionary<string, Tensor> w)
    {
        int b = x.Shape[0], t = x.Shape[1], d = c.DModel, h = c.Heads, hd = c.HeadDim;
        Tensor? Opt(string name) => w.TryGetValue(name, out var v) ? v : null;
        var hs = c.Positions == GptPositions.Learned ? x + w["wpe.weight"].Narrow(0, 0, t) : x.Reshape(x.Shape);
        for (int l = 0; l < c.Layers; l++)
        {
            string p = $"h.{l}.";
            var n1 = F.LayerNorm(hs, [d], w[p + "ln_1.weight"], w[p + "ln_1.bias"]);
            var heads = F.Linear(n1, w[p + "attn.c_attn.weight"], Opt(p + "attn.c_attn.bias")).Reshape(b, t, 3, h, hd).Permute(2, 0, 3, 1, 4);
            Tensor q = heads.Select(0, 0), k = heads.Select(0, 1), v = heads.Select(0, 2);
            if (c.Positions == GptPositions.Rotary)
            {
                var (cos, sin) = F.RotaryTables(t, hd, dtype: x.DType);
                (q, k) = (F.ApplyRotaryEmbedding(q, cos, sin), F.ApplyRotaryEmbedding(k, cos, sin));
            }
            var a = Tensor.ScaledDotProductAttention(q, k, v, isCausal: true).Permute(0, 2, 1, 3).Reshape(b, t, d);
            hs = hs + F.Linear(a, w[p + "attn.c_proj.weight"], Opt(p + "attn.c_proj.bias"));
            var n2 = F.LayerNorm(hs, [d], w[p + "ln_2.weight"], w[p + "ln_2.bias"]);
            var m = F.Gelu(F.Linear(n2, w[p + "mlp.c_fc.weight"], Opt(p + "mlp.c_fc.bias")));
            hs = hs + F.Linear(m, w[p + "mlp.c_proj.weight"], Opt(p + "mlp.c_proj.bias"));
        }
        var nf = F.LayerNorm(hs, [d], w["ln_f.weight"], w["ln_f.bias"]);
        return c.TieWeights ? F.Linear(nf, w["wte.weight"]) : F.Linear(nf, w["lm_head.weight"], Opt("lm_head.bias"));
    }

    static Tensor Embeddings(DType dtype)
    {
        var rng = new Random(5);
        var values = Enumerable.Range(0, 2 * 4 * 8).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        using var x = FixtureTensor.Make(values, [2, 4, 8]);
        return x.To(dtype);
    }

    [Theory]
    [InlineData(GptPositions.Learned, true)]
    [InlineData(GptPositions.Rotary, false)]
    public void FunctionalFormIsTheModel(GptPositions positions, bool tie)
    {
        var gpt = Tiny(positions, tie);
        using var x = Embeddings(DType.Float32);
        using var expected = gpt.ForwardEmbedded(x);
        using var actual = Reference(gpt.Config, x, gpt.StateDict());
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5 + 1e-5 * Math.Abs(e[i]), $"logit {i}: {a[i]}, expected {e[i]}");
    }

    [Theory]
    [InlineData(GptPositions.Learned, true)]
    [InlineData(GptPositions.Rotary, false)]
    public void GradientsWithRespectToEmbeddingsAndEveryWeight(GptPositions positions, bool tie)
    {
        var gpt = Tiny(positions, tie);
        var names = gpt.StateDict().Keys.ToArray();
        var leaves = new List<Tensor> { Embeddings(DType.Float64) };
        using (Autograd.NoGrad()) leaves.AddRange(gpt.StateDict().Values.Select(p => p.To(DType.Float64)));
        foreach (var leaf in leaves) leaf.RequiresGrad = true;
        Assert.True(Autograd.GradCheck(
            inputs => Reference(gpt.Config, inputs[0], names.Select((n, i) => (n, inputs[i + 1])).ToDictionary(p => p.n, p => p.Item2)),
            [.. leaves]), "analytic and finite-difference gradients differ");
    }
}
