namespace Ember.Cli.Commands;

/// <summary>
/// The options of `ember train` as given; null means "not given", so that a resumed run can tell the
/// options that must agree with its config.json from those left to their defaults.
/// </summary>
internal sealed record TrainSettings(
    string? Model, int? Epochs, int? BatchSize, double? LearningRate, string? Data, string? Out, bool Resume, bool Force,
    ulong? Seed, int? Threads, int Workers, bool Quiet, int? Patience, int? Limit, long? StopAfterSteps)
{
    public void Validate()
    {
        if (Epochs is < 1) throw new ArgumentException($"--epochs must be at least 1, got {Epochs}.");
        if (BatchSize is < 1) throw new ArgumentException($"--batch-size must be at least 1, got {BatchSize}.");
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr))) throw new ArgumentException($"--lr must be a positive number, got {lr}.");
        if (Threads is < 1) throw new ArgumentException($"--threads must be at least 1, got {Threads}.");
        if (Workers < 0) throw new ArgumentException($"--workers must not be negative, got {Workers}.");
        if (Patience is < 0) throw new ArgumentException($"--patience must not be negative, got {Patience}.");
        if (Limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {Limit}.");
        if (StopAfterSteps is < 1) throw new ArgumentException($"--stop-after-steps must be at least 1, got {StopAfterSteps}.");
        if (Resume && Force) throw new ArgumentException("--resume continues the run in the folder and --force starts it over; give one of them.");
        if (Out is { Length: 0 }) throw new ArgumentException("--out must name a folder.");
    }
}
