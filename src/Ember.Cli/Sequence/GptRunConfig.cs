using System.Text.Json;
using System.Text.Json.Serialization;
using Ember.Models;

namespace Ember.Cli.Sequence;

/// <summary>
/// The settings of a `ember gpt train` run, kept as config.json in its folder: what --resume continues with and
/// what `ember gpt sample` rebuilds the model from. Its "format" tells it apart from an `ember train` run.
/// </summary>
internal sealed record GptRunConfig
{
    public const string FileName = "config.json", FormatName = "ember-gpt-run";

    [JsonPropertyName("format")] public string Format { get; init; } = FormatName;
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("text")] public required string Text { get; init; }
    [JsonPropertyName("text_sha256")] public required string TextSha256 { get; init; }
    [JsonPropertyName("text_chars")] public required int TextChars { get; init; }
    [JsonPropertyName("tokenizer")] public required string Tokenizer { get; init; }
    [JsonPropertyName("vocab_size")] public required int VocabSize { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("batch_size")] public required int BatchSize { get; init; }
    [JsonPropertyName("context")] public required int Context { get; init; }
    [JsonPropertyName("layers")] public required int Layers { get; init; }
    [JsonPropertyName("d_model")] public required int DModel { get; init; }
    [JsonPropertyName("heads")] public required int Heads { get; init; }
    [JsonPropertyName("lr")] public required double LearningRate { get; init; }
    [JsonPropertyName("min_lr")] public required double MinLearningRate { get; init; }
    [JsonPropertyName("warmup_steps")] public required int WarmupSteps { get; init; }
    [JsonPropertyName("eval_every")] public required int EvalEvery { get; init; }
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; } = 0.1;
    [JsonPropertyName("clip_grad_norm")] public double ClipGradNorm { get; init; } = 1.0;
    [JsonPropertyName("dropout")] public double Dropout { get; init; }
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.1;
    [JsonPropertyName("optimizer")] public string Optimizer { get; init; } = "AdamW (betas 0.9, 0.95)";
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "linear warmup, then cosine to min_lr";
    [JsonPropertyName("seed")] public required ulong Seed { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>The model's shape.</summary>
    public GptConfig Model() => new(VocabSize, BlockSize: Context, Layers: Layers, Heads: Heads, DModel: DModel, Dropout: Dropout);

    /// <summary>
    /// The learning rate of optimizer step <paramref name="step"/> (from 0): a linear warmup to lr, then a cosine
    /// down to min_lr at the last step. A function of the step alone, so a resumed run needs no schedule state.
    /// </summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps) return LearningRate * (step + 1) / WarmupSteps;
        double progress = Steps <= WarmupSteps ? 1 : Math.Min(1, (double)(step - WarmupSteps) / (Steps - WarmupSteps));
        return MinLearningRate + 0.5 * (LearningRate - MinLearningRate) * (1 + Math.Cos(Math.PI * progress));
    }

    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FileName);

    /// <summary>Writes the file through a temporary name, so an interrupted write never leaves half a file.</summary>
    public void Save(string runDirectory)
    {
        string path = PathIn(runDirectory);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, Json));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The run's settings; a clear error when the folder holds no run, another kind of run, or a damaged file.</summary>
    public static GptRunConfig Load(string runDirectory)
    {
        string path = PathIn(runDirectory);
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(runDirectory)
                ? $"'{runDirectory}' holds no GPT run ({FileName} is missing); train one with `ember gpt train --out {runDirectory}`."
                : $"the run folder '{runDirectory}' does not exist; train one with `ember gpt train --out {runDirectory}` or pass --run.");
        string? format;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            format = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
        }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid run configuration: {e.Message}"); }
        if (format != FormatName)
            throw new InvalidDataException(format == "ember-run"
                ? $"'{runDirectory}' holds an `ember train` image-classifier run, not a GPT run; pass the folder of an `ember gpt train` run."
                : $"'{path}' is not a GPT run configuration written by `ember gpt train`.");
        GptRunConfig? config;
        try { config = JsonSerializer.Deserialize<GptRunConfig>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid GPT run configuration: {e.Message}"); }
        if (config is null) throw new InvalidDataException($"'{path}' is not a GPT run configuration written by `ember gpt train`.");
        try { config.Model().Validate(); }
        catch (ArgumentException e) { throw new InvalidDataException($"'{path}' describes an invalid model: {e.Message}"); }
        return config;
    }
}
