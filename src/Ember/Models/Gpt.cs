using Ember.NN;

namespace Ember.Models;

/// <summary>
/// A GPT decoder-only language model (GPT-2's layout, nanoGPT's names): token ids [B, T] (Int64) →
/// logits [B, T, V] for the next token at every position. Token embedding (wte) plus learned positions
/// (wpe) or rotary ones, dropout, <see cref="GptConfig.Layers"/> pre-LayerNorm blocks (h.0, h.1, …), a
/// final LayerNorm (ln_f) and the output layer (lm_head, or wte's weight when tied). Initialisation
/// follows GPT-2: weights N(0, 0.02), biases zero, and the projections that write into the residual
/// stream scaled by 1/√(2·layers) so its variance does not grow with depth.
/// </summary>
/// <example>
/// <code>
/// var tokenizer = CharTokenizer.FromText(text);
/// var gpt = new Gpt(new GptConfig(tokenizer.VocabSize, BlockSize: 128, Layers: 4, Heads: 4, DModel: 256), new Generator(0));
/// using var logits = gpt.Forward(inputs);                         // [B, T, V]
/// using var loss = F.CrossEntropy(logits.Reshape(-1, V), targets.Reshape(-1));
/// int[] more = gpt.Generate(tokenizer.Encode("In the"), new SamplingOptions(MaxNewTokens: 200, Temperature: 0.8, TopK: 40), new Generator(1));
/// </code>
/// </example>
public sealed partial class Gpt : Module<Tensor, Tensor>
{
    public GptConfig Config { get; }
    public Embedding Wte { get; }
    public Embedding? Wpe { get; }
    public Dropout Drop { get; }
    public ModuleList<GptBlock> H { get; }
    public LayerNorm LnF { get; }
    /// <summary>The output layer; null when tied to <see cref="Wte"/>.</summary>
    public Linear? LmHead { get; }

    public Gpt(GptConfig config, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        Wte = Child("wte", new Embedding(config.VocabSize, config.DModel, generator: generator));
        if (config.Positions == GptPositions.Learned) Wpe = Child("wpe", new Embedding(config.BlockSize, config.DModel, generator: generator));
        Drop = Child("drop", new Dropout(config.Dropout, generator));
        H = Child("h", new ModuleList<GptBlock>(Enumerable.Range(0, config.Layers).Select(i => new GptBlock(config, i, generator))));
        LnF = Child("ln_f", new LayerNorm(config.DModel));
        if (!config.TieWeights) LmHead = Child("lm_head", new Linear(config.DModel, config.VocabSize, config.Bias, generator));
        InitWeights(generator);
    }

    void InitWeights(Generator? generator)
    {
        double residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        using (Autograd.NoGrad())
        {
            foreach (var (name, p) in NamedParameters())
            {
                if (p.Rank == 1 && name.EndsWith(".bias", StringComparison.Ordinal) && !name.Contains("ln_", StringComparison.Ordinal))
                    Init.Zeros(p);
                else if (p.Rank == 2)
                    Init.Normal(p, 0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : 0.02, generator);
            }
        }
    }

    /// <summary>Logits [B, T, V] for token ids [B, T] (or [T], giving [T, V]).</summary>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>
    /// Logits for <paramref name="input"/>; with a <paramref name="cache"/>, the ids are the positions after
    /// the cached ones, attention covers the cache too, and the cache grows by T.
    /// </summary>
    public Tensor Forward(Tensor input, KVCache? cache)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 1)
        {
            using var batched = input.Unsqueeze(0);
            using var logits = Forward(batched, cache);
            return logits.Squeeze(0);
        }
        if (input.Rank != 2 || input.DType != DType.Int64)
            throw new ArgumentException($"Gpt: expected Int64 token ids [B, T], got {input.DType} {Shapes.Format(input.Shape)}.");
        using var tokens = Wte.Forward(input);
        return ForwardEmbedded(tokens, cache);
    }

    /// <summary>
    /// Logits from token embeddings x [B, T, d] instead of ids (position embeddings are still added): for
    /// soft prompts, and for gradient checks in Float64 (a Float64 x runs the whole model in Float64).
    /// </summary>
    public Tensor ForwardEmbedded(Tensor x, KVCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Rank != 3 || x.Shape[2] != Config.DModel)
            throw new ArgumentException($"Gpt: expected embeddings [B, T, {Config.DModel}], got {Shapes.Format(x.Shape)}.");
        if (cache is not null && cache.Layers != Config.Layers)
            throw new ArgumentException($"Gpt: the cache has {cache.Layers} layers but the model has {Config.Layers}.");
        int t = x.Shape[1], past = cache?.Length ?? 0;
        if (Wpe is not null && past + t > Config.BlockSize)
            throw new ArgumentException($"Gpt: {past} cached plus {t} new positions exceed the block size {Config.BlockSize} of learned position embeddings; crop the context to the last {Config.BlockSize} tokens.");

        Tensor h;
        if (Wpe is null) h = Drop.Forward(x);
        else
        {
            using var positions = Positions(past, t);
            using var pos = Wpe.Forward(positions);
            using var sum = x + pos;
            h = Drop.Forward(sum);
        }
        foreach (var block in H)
        {
            using var old = h;
            h = block.Forward(old, cache);
        }
        using (h)
        {
            using var normed = LnF.Forward(h);
            return LmHead is not null ? LmHead.Forward(normed) : Functional.Linear(normed, Wte.Weight, null);
        }
    }

    static Tensor Positions(int start, int count)
    {
        var ids = new long[count];
        for (int i = 0; i < count; i++) ids[i] = start + i;
        return Tensor.FromArray(ids, count);
    }

    public override string ExtraRepr() => $"{Config}";
}
