using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ember.Cli.Runs;

/// <summary>
/// The settings of a training run, kept as config.json in its folder: what `ember train --resume` continues
/// with and what `ember eval` and `ember predict` rebuild the model from.
/// </summary>
internal sealed record RunConfig
{
    public const string FileName = "config.json";

    [JsonPropertyName("format")] public string Format { get; init; } = "ember-run";
    [JsonPropertyName("version")] public int Version { get; init; } = 1;
    [JsonPropertyName("model")] public required string Model { get; init; }
    [JsonPropertyName("epochs")] public required int Epochs { get; init; }
    [JsonPropertyName("batch_size")] public required int BatchSize { get; init; }
    [JsonPropertyName("lr")] public required double LearningRate { get; init; }
    [JsonPropertyName("seed")] public required ulong Seed { get; init; }
    [JsonPropertyName("threads")] public required int Threads { get; init; }
    [JsonPropertyName("limit")] public int? Limit { get; init; }
    [JsonPropertyName("validation_fraction")] public double ValidationFraction { get; init; } = 0.1;
    [JsonPropertyName("patience")] public int Patience { get; init; }
    [JsonPropertyName("augment")] public bool Augment { get; init; }
    [JsonPropertyName("schedule")] public string Schedule { get; init; } = "cosine per step";
    [JsonPropertyName("optimizer")] public string Optimizer { get; init; } = "Adam";
    [JsonPropertyName("data_directory")] public required string DataDirectory { get; init; }
    [JsonPropertyName("data_source")] public required string DataSource { get; init; }
    [JsonPropertyName("train_images")] public required int TrainImages { get; init; }

    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FileName);

    /// <summary>Writes the file through a temporary name, so an interrupted write never leaves half a file.</summary>
    public void Save(string runDirectory)
    {
        string path = PathIn(runDirectory);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The run's settings; a clear error when the folder holds no run or the file is damaged.</summary>
    public static RunConfig Load(string runDirectory)
    {
        string path = PathIn(runDirectory);
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(runDirectory)
                ? $"'{runDirectory}' holds no training run ({FileName} is missing); train one with `ember train --out {runDirectory}`."
                : $"the run folder '{runDirectory}' does not exist; train one with `ember train --out {runDirectory}` or pass --run.");
        RunConfig? config;
        try { config = JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(path), Json); }
        catch (JsonException e) { throw new InvalidDataException($"'{path}' is not a valid run configuration: {e.Message}"); }
        if (config is null || config.Format != "ember-run")
            throw new InvalidDataException($"'{path}' is not a run configuration written by `ember train`.");
        return config;
    }
}
