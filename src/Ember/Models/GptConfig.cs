using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ember.Models;

/// <summary>How a <see cref="Gpt"/> tells the model where each token sits.</summary>
public enum GptPositions
{
    /// <summary>A learned embedding per position (GPT-2): the context cannot exceed the block size.</summary>
    Learned,
    /// <summary>Rotary embeddings on q and k in every layer (RoPE): no position parameters.</summary>
    Rotary,
}

/// <summary>
/// The shape of a <see cref="Gpt"/>. The defaults are a small model for character-level text; GPT-2
/// small is <c>new GptConfig(50257, BlockSize: 1024, Layers: 12, Heads: 12, DModel: 768)</c>.
/// </summary>
/// <param name="VocabSize">V: ids lie in [0, V).</param>
/// <param name="BlockSize">The longest context the model attends over.</param>
/// <param name="Layers">Transformer blocks.</param>
/// <param name="Heads">Attention heads; they split DModel evenly.</param>
/// <param name="DModel">The width of the residual stream.</param>
/// <param name="Dropout">On embeddings, attention weights and each residual branch, while training.</param>
/// <param name="Positions">Learned position embeddings or rotary ones.</param>
/// <param name="TieWeights">Share the token embedding with the output layer (GPT-2 does).</param>
/// <param name="Bias">Biases in the Linear layers (LayerNorm keeps its own).</param>
public sealed record GptConfig(int VocabSize, int BlockSize = 256, int Layers = 4, int Heads = 4, int DModel = 256,
    double Dropout = 0.1, GptPositions Positions = GptPositions.Learned, bool TieWeights = true, bool Bias = true)
{
    /// <summary>DModel / Heads.</summary>
    [JsonIgnore]
    public int HeadDim => DModel / Heads;

    static readonly JsonSerializerOptions json = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The settings as a JSON object (for a checkpoint's metadata).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, json);

    /// <summary>Reads what <see cref="ToJson"/> wrote, and validates it.</summary>
    public static GptConfig FromJson(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        GptConfig? config;
        try { config = JsonSerializer.Deserialize<GptConfig>(text, json); }
        catch (JsonException e) { throw new FormatException($"GptConfig.FromJson: the text is not a GptConfig JSON object ({e.Message}).", e); }
        if (config is null) throw new FormatException("GptConfig.FromJson: the text is JSON null, not a GptConfig.");
        config.Validate();
        return config;
    }

    /// <summary>Throws an ArgumentException naming the first setting out of range.</summary>
    public void Validate()
    {
        if (VocabSize <= 0) throw new ArgumentException($"GptConfig: VocabSize must be positive, got {VocabSize}.");
        if (BlockSize <= 0) throw new ArgumentException($"GptConfig: BlockSize must be positive, got {BlockSize}.");
        if (Layers <= 0) throw new ArgumentException($"GptConfig: Layers must be positive, got {Layers}.");
        if (Heads <= 0 || DModel <= 0 || DModel % Heads != 0)
            throw new ArgumentException($"GptConfig: DModel ({DModel}) must be positive and divisible by Heads ({Heads}).");
        if (Positions == GptPositions.Rotary && HeadDim % 2 != 0)
            throw new ArgumentException($"GptConfig: rotary positions need an even head size, got DModel / Heads = {DModel} / {Heads} = {HeadDim}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"GptConfig: Dropout must lie in [0, 1), got {Dropout}.");
    }
}
