using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Attention;

/// <summary>
/// The fused kernel against the explicit formula softmax(q·kᵀ·scale + mask)·v computed by PyTorch in
/// float64 (fixtures/make_attention_fixtures.py): odd sizes (L ≠ S, L = 1, S past a key block, D = 1,
/// 17, 64), causal with L &lt; S and L &gt; S, Bool and float masks (broadcast), a custom scale,
/// broadcast keys and values, float32 and float64; outputs and the gradients of q, k, v and float masks.
/// </summary>
public sealed class SdpaFixtureTests
{
    const string File = "sdpa_cases.json";

    public static IEnumerable<object[]> Names => AttentionFixtures.CaseNames(File);

    static Tensor Leaf(string name)
    {
        var t = AttentionFixtures.Sdpa(name).Clone();
        t.RequiresGrad = true;
        return t;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesTheExplicitFormula(string name)
    {
        var c = AttentionFixtures.Case(File, name);
        bool causal = c.GetProperty("causal").GetBoolean();
        double? scale = c.GetProperty("scale").ValueKind == System.Text.Json.JsonValueKind.Number ? c.GetProperty("scale").GetDouble() : null;
        using var q = Leaf(name + ".q");
        using var k = Leaf(name + ".k");
        using var v = Leaf(name + ".v");
        using var mask = c.GetProperty("mask").GetBoolean() ? AttentionFixtures.Sdpa(name + ".mask").Clone() : null;
        if (mask is not null && mask.DType != DType.Bool) mask.RequiresGrad = true; // a learned bias gets its gradient
        bool f32 = q.DType == DType.Float32;
        double tol = f32 ? 2e-5 : 1e-10;

        using var o = F.ScaledDotProductAttention(q, k, v, mask, isCausal: causal, scale: scale);
        Assert.Equal(q.DType, o.DType);
        AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".out"), o, tol, tol, name + " out");

        using var w = AttentionFixtures.Sdpa(name + ".w").To(o.DType);
        using var weighted = o * w;
        using var loss = weighted.Sum();
        loss.Backward();
        AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".dq"), q.Grad, tol, tol * 10, name + " dq");
        AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".dk"), k.Grad, tol, tol * 10, name + " dk");
        AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".dv"), v.Grad, tol, tol * 10, name + " dv");
        if (AttentionFixtures.HasSdpa(name + ".dmask"))
            AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".dmask"), mask!.Grad, tol, tol * 10, name + " dmask");
    }
}
