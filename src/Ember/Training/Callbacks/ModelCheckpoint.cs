namespace Ember.Training;

/// <summary>
/// Writes checkpoints at the end of epochs (Keras' ModelCheckpoint): "last.safetensors" every epoch and
/// "best.safetensors" whenever the monitored value improves. With a <see cref="Trainer"/> each file is a full
/// <see cref="Checkpoint"/> (model, optimizer, schedule, RNG states, history) to resume from; with
/// <c>weightsOnly</c>, or from a hand-written loop, the model's state dict. Files are written to a temporary
/// name and renamed, so a crash never leaves a partial file in place of a good one.
/// </summary>
public sealed class ModelCheckpoint : Callback
{
    readonly Monitor? monitor;

    /// <param name="directory">Where the files go (created if missing).</param>
    /// <param name="monitor">The log value that decides "best" ("val_loss"); null to keep only "last".</param>
    /// <param name="mode">"min", "max" or "auto".</param>
    /// <param name="saveLast">Also write "last.safetensors" every epoch.</param>
    /// <param name="weightsOnly">Write only the model's state dict.</param>
    public ModelCheckpoint(string directory, string? monitor = "val_loss", string mode = "auto", bool saveLast = true, bool weightsOnly = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = directory;
        if (monitor != null) this.monitor = new Monitor(nameof(ModelCheckpoint), monitor, mode, 0);
        SaveLast = saveLast;
        WeightsOnly = weightsOnly;
    }

    public string Directory { get; }
    public bool SaveLast { get; }
    public bool WeightsOnly { get; }

    public string BestPath => Path.Combine(Directory, "best.safetensors");
    public string LastPath => Path.Combine(Directory, "last.safetensors");

    /// <summary>The best monitored value so far (NaN without a monitor).</summary>
    public double Best => monitor?.Best ?? double.NaN;

    // After the schedules have stepped, so the files hold the next epoch's rates.
    public override int Order => 100;

    public override void OnEpochEnd(TrainingContext context)
    {
        System.IO.Directory.CreateDirectory(Directory);
        if (monitor != null)
        {
            double v = monitor.Read(context.Logs);
            if (monitor.IsImprovement(v))
            {
                monitor.Best = v;
                Write(BestPath, context);
            }
        }
        if (SaveLast) Write(LastPath, context);
    }

    void Write(string path, TrainingContext context)
    {
        if (!WeightsOnly && context.Trainer is { } trainer) Checkpoint.Save(path, trainer);
        else Serialization.Safetensors.Save(path, context.Model.StateDict());
    }

    public override Dictionary<string, double>? GetState() => monitor is null ? null : new() { ["best"] = monitor.Best };

    public override void SetState(IReadOnlyDictionary<string, double> state)
    {
        if (monitor != null && state.TryGetValue("best", out var b)) monitor.Best = b;
    }
}
