using Ember.NN;
using Xunit;

namespace Ember.Tests.Attention;

/// <summary>MultiheadAttention and the Transformer modules: PyTorch's names, initialisation, paths and errors.</summary>
public sealed class MultiheadAttentionTests
{
    [Fact]
    public void ParametersHavePyTorchsNamesShapesAndInit()
    {
        var mha = new MultiheadAttention(12, 3, generator: new Generator(1));
        Assert.Equal(["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"], mha.NamedParameters().Select(p => p.Name));
        Assert.Equal([36, 12], mha.InProjWeight!.Shape);
        Assert.All(mha.InProjBias!.ToArray<float>(), b => Assert.Equal(0f, b));
        Assert.All(mha.OutProj.Bias!.ToArray<float>(), b => Assert.Equal(0f, b));
        double bound = Math.Sqrt(6.0 / (36 + 12)); // xavier_uniform on [3E, E]
        var w = mha.InProjWeight.ToArray<float>();
        Assert.All(w, x => Assert.True(Math.Abs(x) <= bound));
        Assert.True(w.Max() > bound * 0.8 && w.Min() < -bound * 0.8);

        var kv = new MultiheadAttention(8, 2, kdim: 5, vdim: 3, bias: false);
        Assert.Equal(["q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"], kv.NamedParameters().Select(p => p.Name));
        Assert.Equal([8, 5], kv.KProjWeight!.Shape);
    }

    [Fact]
    public void TransformerLayersHavePyTorchsParameterNames()
    {
        var enc = new TransformerEncoderLayer(8, 2, 16);
        Assert.Equal(
            ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
             "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"],
            enc.NamedParameters().Select(p => p.Name));
        var dec = new TransformerDecoderLayer(8, 2, 16);
        Assert.Contains("multihead_attn.out_proj.bias", dec.NamedParameters().Select(p => p.Name));
        Assert.Contains("norm3.weight", dec.NamedParameters().Select(p => p.Name));
        var stack = new TransformerEncoder(enc, 3, new LayerNorm(8));
        var names = stack.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(3 * 12 + 2, names.Length);
        Assert.Contains("layers.2.linear1.weight", names);
        Assert.Equal("norm.bias", names[^1]);
        // The copies start from the given layer's weights but are separate parameters.
        Assert.Equal(enc.Linear1.Weight.ToArray<float>(), stack.Layers[1].Linear1.Weight.ToArray<float>());
        Assert.NotSame(stack.Layers[0].Linear1.Weight, stack.Layers[1].Linear1.Weight);
    }

    [Fact]
    public void NeedWeightsPathMatchesTheFusedPath()
    {
        var gen = new Generator(2);
        var mha = new MultiheadAttention(8, 4, batchFirst: true, generator: gen);
        using var q = Tensor.Randn([2, 5, 8], gen);
        using var k = Tensor.Randn([2, 6, 8], gen);
        using var mask = Tensor.FromArray(Enumerable.Range(0, 30).Select(i => i % 4 == 3).ToArray(), 5, 6);
        var (fused, none) = mha.Forward(q, k, k, mask);
        var (explicitOut, weights) = mha.Forward(q, k, k, mask, needWeights: true);
        Assert.Null(none);
        AttentionFixtures.Close(explicitOut, fused, 1e-5, 1e-5, "output");
        Assert.Equal([2, 5, 6], weights!.Shape);
        var w = weights.ToArray<float>();
        for (int row = 0; row < 10; row++)
        {
            Assert.Equal(1.0, w.Skip(row * 6).Take(6).Sum(), 5);
            for (int j = 0; j < 6; j++)
                if ((row % 5 * 6 + j) % 4 == 3) Assert.Equal(0f, w[row * 6 + j]); // masked keys get no weight
        }
        var (_, perHead) = mha.Forward(q, k, k, mask, null, needWeights: true, averageAttnWeights: false);
        Assert.Equal([2, 4, 5, 6], perHead!.Shape);
    }

    [Fact]
    public void IsCausalCombinesWithOtherMasks()
    {
        var gen = new Generator(5);
        var mha = new MultiheadAttention(8, 2, generator: gen);
        using var x = Tensor.Randn([5, 2, 8], gen);
        using var kpm = Tensor.FromArray(new[] { false, false, false, true, false, false, true, false, false, false }, 2, 5);
        using var causal = Transformer.GenerateSquareSubsequentMask(5);
        var (withFlag, _) = mha.Forward(x, x, x, null, kpm, isCausal: true);
        var (withMask, _) = mha.Forward(x, x, x, causal, kpm);
        var (flagOnly, _) = mha.Forward(x, x, x, null, null, isCausal: true);
        var (maskOnly, weights) = mha.Forward(x, x, x, causal, null, needWeights: true);
        AttentionFixtures.Close(withMask, withFlag, 1e-6, 1e-6, "causal flag with padding");
        AttentionFixtures.Close(maskOnly, flagOnly, 1e-6, 1e-6, "causal flag alone");
        Assert.Equal(0f, weights!.ToArray<float>()[1]); // query 0 never sees key 1
    }

    [Fact]
    public void UnbatchedInputsAndSelfAttention()
    {
        var gen = new Generator(3);
        var mha = new MultiheadAttention(6, 2, generator: gen);
        using var x = Tensor.Randn([4, 6], gen);
        using var y = mha.Forward(x);
        Assert.Equal([4, 6], y.Shape);
        using var x3 = x.Unsqueeze(1);
        using var y3 = mha.Forward(x3);
        AttentionFixtures.Close(y3.Squeeze(1), y, 1e-6, 1e-6, "unbatched");
    }

    [Fact]
    public void CausalTransformerMaskIsTopLeftAligned()
    {
        using var m = Transformer.GenerateSquareSubsequentMask(3);
        float inf = float.NegativeInfinity;
        Assert.Equal([0, inf, inf, 0, 0, inf, 0, 0, 0], m.ToArray<float>());
    }

    [Fact]
    public void DropoutActsOnlyInTraining()
    {
        var gen = new Generator(4);
        var layer = new TransformerEncoderLayer(8, 2, 16, dropout: 0.5, generator: gen);
        using var x = Tensor.Randn([3, 2, 8], gen);
        layer.Eval();
        using var e1 = layer.Forward(x);
        using var e2 = layer.Forward(x);
        Assert.Equal(e1.ToArray<float>(), e2.ToArray<float>());
        layer.Train();
        using var t1 = layer.Forward(x);
        Assert.NotEqual(e1.ToArray<float>(), t1.ToArray<float>());
    }

    [Fact]
    public void BadShapesGetClearErrors()
    {
        var mha = new MultiheadAttention(8, 2);
        using var q = Tensor.Zeros(5, 2, 8);
        using var k = Tensor.Zeros(7, 2, 8);
        using var wrongE = Tensor.Zeros(7, 2, 6);
        using var mask = Tensor.Zeros(5, 6);
        using var kpm = Tensor.Zeros(3, 7);
        Assert.Contains("features", Assert.Throws<ArgumentException>(() => mha.Forward(q, wrongE, wrongE)).Message);
        Assert.Contains("[5, 7]", Assert.Throws<ArgumentException>(() => mha.Forward(q, k, k, mask)).Message);
        Assert.Contains("keyPaddingMask must be [2, 7]", Assert.Throws<ArgumentException>(() => mha.Forward(q, k, k, null, kpm)).Message);
        Assert.Contains("divisible", Assert.Throws<ArgumentException>(() => new MultiheadAttention(8, 3)).Message);
        Assert.Contains("\"relu\" or \"gelu\"", Assert.Throws<ArgumentException>(() => new TransformerEncoderLayer(8, 2, activation: "tanh")).Message);
    }
}
