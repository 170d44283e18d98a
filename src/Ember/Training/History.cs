using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ember.Training;

/// <summary>One finished epoch: its number (from 0) and its values by name ("loss", "val_loss", "accuracy", "lr", "epoch_time", "samples_per_second").</summary>
public sealed record EpochLog(int Epoch, IReadOnlyDictionary<string, double> Values)
{
    public double this[string key] => Values.TryGetValue(key, out var v) ? v
        : throw new KeyNotFoundException($"EpochLog: epoch {Epoch} has no value '{key}'; it has {string.Join(", ", Values.Keys)}.");
}

/// <summary>
/// What <see cref="Trainer.Fit"/> returns (Keras' History): one <see cref="EpochLog"/> per finished epoch,
/// across resumes, and the reason the run ended early, if it did.
/// </summary>
public sealed class History
{
    readonly List<EpochLog> epochs = [];

    public IReadOnlyList<EpochLog> Epochs => epochs;

    /// <summary>Why the last run stopped before its epoch limit (early stopping, a NaN), or null.</summary>
    public string? StopReason { get; set; }

    public void Add(EpochLog log) => epochs.Add(log ?? throw new ArgumentNullException(nameof(log)));

    /// <summary>The series of one value over the epochs, NaN where an epoch lacks it: <c>history["val_loss"]</c>.</summary>
    public double[] this[string key] => epochs.Select(e => e.Values.TryGetValue(key, out var v) ? v : double.NaN).ToArray();

    /// <summary>Every key any epoch has, in first-seen order.</summary>
    public IReadOnlyList<string> Keys => epochs.SelectMany(e => e.Values.Keys).Distinct().ToList();

    static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>JSON that <see cref="FromJson"/> reads back exactly (doubles round-trip; NaN and infinities as names).</summary>
    public string ToJson()
        => JsonSerializer.Serialize(epochs.Select(e => new Row(e.Epoch, new Dictionary<string, double>(e.Values))).ToList(), Json);

    public static History FromJson(string json)
    {
        var h = new History();
        var rows = JsonSerializer.Deserialize<List<Row>>(json, Json)
            ?? throw new FormatException("History.FromJson: the JSON holds no list of epochs.");
        foreach (var r in rows) h.Add(new EpochLog(r.Epoch, r.Values ?? []));
        return h;
    }

    sealed record Row(int Epoch, Dictionary<string, double>? Values);
}
