namespace Ember.Training;

/// <summary>Watches one log value for improvement, as EarlyStopping and ModelCheckpoint do.</summary>
internal sealed class Monitor
{
    readonly string owner;

    public Monitor(string owner, string key, string mode, double minDelta)
    {
        this.owner = owner;
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        if (!(minDelta >= 0)) throw new ArgumentOutOfRangeException(nameof(minDelta), minDelta, $"{owner}: minDelta must be non-negative, got {minDelta}.");
        Key = key;
        Max = mode switch
        {
            "min" => false,
            "max" => true,
            // Scores where higher is better; anything else (losses, errors) is minimised.
            "auto" => key.Contains("acc") || key.Contains("f1") || key.Contains("precision") || key.Contains("recall") || key.Contains("auc"),
            _ => throw new ArgumentException($"{owner}: mode must be \"min\", \"max\" or \"auto\", got \"{mode}\".", nameof(mode)),
        };
        MinDelta = minDelta;
        Best = Max ? double.NegativeInfinity : double.PositiveInfinity;
    }

    public string Key { get; }
    public bool Max { get; }
    public double MinDelta { get; }
    public double Best { get; set; }

    /// <summary>The monitored value in <paramref name="logs"/>; a clear error naming what is there when it is missing.</summary>
    public double Read(IReadOnlyDictionary<string, double> logs)
        => logs.TryGetValue(Key, out var v) ? v
            : throw new InvalidOperationException($"{owner}: the logs have no '{Key}' to monitor; they have {string.Join(", ", logs.Keys.Select(k => $"'{k}'"))}. Give a validation loader for 'val_' values.");

    /// <summary>Whether <paramref name="value"/> beats the best by more than minDelta (NaN never does).</summary>
    public bool IsImprovement(double value)
        => Max ? value - MinDelta > Best : value + MinDelta < Best;
}
