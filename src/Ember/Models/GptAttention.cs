using Ember.NN;

namespace Ember.Models;

/// <summary>
/// Causal multi-head self-attention of a <see cref="Gpt"/> block: one Linear d → 3d gives q, k and v
/// (c_attn), the fused scaled-dot-product kernel attends, and a Linear d → d (c_proj) joins the heads.
/// With a <see cref="KVCache"/>, the new positions attend over the cached ones as well and are appended.
/// </summary>
public sealed class GptAttention : Module<Tensor, Tensor>
{
    readonly GptConfig config;
    readonly int layer;
    readonly Generator? generator;
    readonly RotaryEmbedding? rotary;

    public Linear CAttn { get; }
    public Linear CProj { get; }
    public Dropout ResidDropout { get; }

    public GptAttention(GptConfig config, int layer, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        (this.config, this.layer, this.generator) = (config, layer, generator);
        CAttn = Child("c_attn", new Linear(config.DModel, 3 * config.DModel, config.Bias, generator));
        CProj = Child("c_proj", new Linear(config.DModel, config.DModel, config.Bias, generator));
        ResidDropout = Child("resid_dropout", new Dropout(config.Dropout, generator));
        if (config.Positions == GptPositions.Rotary) rotary = new RotaryEmbedding(config.HeadDim);
    }

    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>x [B, T, d] → [B, T, d]; with a cache, x holds the positions after the cached ones.</summary>
    public Tensor Forward(Tensor x, KVCache? cache)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3 || x.Shape[2] != config.DModel)
            throw new ArgumentException($"GptAttention: expected an input [B, T, {config.DModel}], got {Shapes.Format(x.Shape)}.");
        int b = x.Shape[0], t = x.Shape[1], h = config.Heads, hd = config.HeadDim;
        // This layer's own count: the layers before it have already appended this pass's positions.
        int past = cache?[layer].Keys?.Shape[2] ?? 0;

        // [B, T, 3d] → [3, B, H, T, hd]: q, k and v split by heads.
        using var qkv = CAttn.Forward(x);
        using var split = qkv.Reshape(b, t, 3, h, hd);
        using var heads = split.Permute(2, 0, 3, 1, 4);
        using var q0 = heads.Select(0, 0);
        using var k0 = heads.Select(0, 1);
        using var v = heads.Select(0, 2);
        using var q = rotary is null ? q0.Reshape(q0.Shape) : rotary.Forward(q0, past);
        using var k = rotary is null ? k0.Reshape(k0.Shape) : rotary.Forward(k0, past);

        Tensor keys = k, values = v;
        if (cache is not null) (keys, values) = cache.Append(layer, k, v);
        double p = Training ? config.Dropout : 0;
        using var mask = past > 0 && t > 1 ? ShiftedCausalMask(t, past) : null;
        // No past: the kernel's causal flag. One new query: it sees every cached key, so no mask at all.
        using var attended = Tensor.ScaledDotProductAttention(q, keys, values, mask, p, isCausal: past == 0 && t > 1, null, generator);
        using var joined = attended.Permute(0, 2, 1, 3);
        using var flat = joined.Reshape(b, t, config.DModel);
        using var projected = CProj.Forward(flat);
        return ResidDropout.Forward(projected);
    }

    /// <summary>Bool [T, past + T]: query i (absolute position past + i) sees keys 0 … past + i.</summary>
    static Tensor ShiftedCausalMask(int t, int past)
    {
        int s = past + t;
        var allowed = new bool[t * s];
        for (int i = 0; i < t; i++)
            for (int j = 0; j <= past + i; j++) allowed[i * s + j] = true;
        return Tensor.FromArray(allowed, t, s);
    }
}
