using System.Text.Json;
using Ember.NN;
using Xunit;

namespace Ember.Tests.Attention;

/// <summary>
/// MultiheadAttention and the Transformer layers loaded from PyTorch state dicts (PyTorch's parameter
/// names, strict loading) give PyTorch's outputs, attention weights and gradients of inputs and
/// parameters (eval mode, float32; fixtures/make_attention_fixtures.py).
/// </summary>
public sealed class TransformerFixtureTests
{
    const string File = "modules_cases.json";
    const double Tol = 1e-4;

    public static IEnumerable<object[]> Names => AttentionFixtures.CaseNames(File);

    static Tensor? Input(string name, string key, bool leaf)
    {
        if (!AttentionFixtures.HasModule($"{name}.{key}")) return null;
        var t = AttentionFixtures.Module($"{name}.{key}").Clone();
        t.RequiresGrad = leaf;
        return t;
    }

    static (Module Module, Func<Dictionary<string, Tensor?>, (Tensor Output, Tensor? Weights)> Run) Build(string name, JsonElement c)
    {
        string kind = c.GetProperty("kind").GetString()!;
        bool Flag(string p) => c.TryGetProperty(p, out var v) && v.GetBoolean();
        string Act() => c.GetProperty("activation").GetString()!;
        switch (kind)
        {
            case "mha":
            {
                int? kdim = c.TryGetProperty("kdim", out var kd) ? kd.GetInt32() : null;
                int? vdim = c.TryGetProperty("vdim", out var vd) ? vd.GetInt32() : null;
                var m = new MultiheadAttention(8, 2, batchFirst: Flag("batch_first"), kdim: kdim, vdim: vdim);
                return (m, x => m.Forward(x["query"]!, x["key"]!, x["value"]!, x["attn_mask"], x["key_padding_mask"], Flag("need_weights")));
            }
            case "mha_self":
            {
                var m = new MultiheadAttention(8, 2, batchFirst: Flag("batch_first"));
                return (m, x => m.Forward(x["query"]!, x["query"]!, x["query"]!, x["attn_mask"], Flag("need_weights")));
            }
            case "encoder_layer":
            {
                var m = new TransformerEncoderLayer(8, 2, 16, 0.0, Act(), normFirst: Flag("norm_first"), batchFirst: Flag("batch_first"));
                return (m, x => (m.Forward(x["src"]!, x["src_mask"], x["src_key_padding_mask"]), null));
            }
            case "decoder_layer":
            {
                var m = new TransformerDecoderLayer(8, 2, 16, 0.0, Act(), normFirst: Flag("norm_first"), batchFirst: Flag("batch_first"));
                return (m, x => (m.Forward(x["tgt"]!, x["memory"]!, x["tgt_mask"], null, null, x["memory_key_padding_mask"]), null));
            }
            case "encoder":
            {
                var layer = new TransformerEncoderLayer(8, 2, 16, 0.0, Act());
                var m = new TransformerEncoder(layer, c.GetProperty("num_layers").GetInt32(), new LayerNorm(8));
                return (m, x => (m.Forward(x["src"]!, x["mask"], null), null));
            }
            case "transformer":
            {
                var m = new Transformer(8, 2, c.GetProperty("num_encoder_layers").GetInt32(), c.GetProperty("num_decoder_layers").GetInt32(), 16, 0.0);
                return (m, x => (m.Forward(x["src"]!, x["tgt"]!, tgtMask: x["tgt_mask"]), null));
            }
            default: throw new InvalidOperationException($"unknown case kind {kind} in {name}");
        }
    }

    static readonly string[] InputKeys =
        ["query", "key", "value", "attn_mask", "key_padding_mask", "src", "src_mask", "src_key_padding_mask",
         "tgt", "memory", "tgt_mask", "memory_key_padding_mask", "mask"];

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesPyTorch(string name)
    {
        var c = AttentionFixtures.Case(File, name);
        var (module, run) = Build(name, c);
        module.LoadStateDict(AttentionFixtures.ModulePrefixed(name + ".state."));
        module.Eval();
        var inputs = InputKeys.ToDictionary(k => k, k => Input(name, k, leaf: !k.EndsWith("mask", StringComparison.Ordinal)));

        var (output, weights) = run(inputs);
        AttentionFixtures.Close(AttentionFixtures.Module(name + ".out"), output, Tol, Tol, name + " out");
        if (AttentionFixtures.HasModule(name + ".weights"))
            AttentionFixtures.Close(AttentionFixtures.Module(name + ".weights"), weights, Tol, Tol, name + " weights");

        using var weighted = output * AttentionFixtures.Module(name + ".w");
        using var loss = weighted.Sum();
        loss.Backward();
        var grads = AttentionFixtures.ModulePrefixed(name + ".grad.");
        int compared = 0;
        foreach (var (key, t) in inputs)
            if (t is not null && t.RequiresGrad)
            {
                AttentionFixtures.Close(grads[key], t.Grad, 2 * Tol, 2 * Tol, $"{name} grad of {key}");
                compared++;
            }
        foreach (var (pname, p) in module.NamedParameters())
        {
            AttentionFixtures.Close(grads[pname], p.Grad, 2 * Tol, 2 * Tol, $"{name} grad of {pname}");
            compared++;
        }
        Assert.Equal(grads.Count, compared);
        output.Dispose(); weights?.Dispose();
        foreach (var t in inputs.Values) t?.Dispose();
    }
}
