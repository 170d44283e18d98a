using Ember.NN;

namespace Ember.Models;

/// <summary>A pre-LayerNorm transformer block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).</summary>
public sealed class GptBlock : Module<Tensor, Tensor>
{
    public LayerNorm Ln1 { get; }
    public GptAttention Attn { get; }
    public LayerNorm Ln2 { get; }
    public GptMlp Mlp { get; }

    public GptBlock(GptConfig config, int layer, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        Ln1 = Child("ln_1", new LayerNorm(config.DModel));
        Attn = Child("attn", new GptAttention(config, layer, generator));
        Ln2 = Child("ln_2", new LayerNorm(config.DModel));
        Mlp = Child("mlp", new GptMlp(config, generator));
    }

    public override Tensor Forward(Tensor input) => Forward(input, null);

    public Tensor Forward(Tensor x, KVCache? cache)
    {
        using var n1 = Ln1.Forward(x);
        using var a = Attn.Forward(n1, cache);
        using var x1 = x + a;
        using var n2 = Ln2.Forward(x1);
        using var m = Mlp.Forward(n2);
        return x1 + m;
    }
}
