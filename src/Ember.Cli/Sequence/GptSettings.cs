namespace Ember.Cli.Sequence;

/// <summary>
/// The options of `ember gpt train` as given; null means "not given", so that a resumed run can tell the
/// options that must agree with its config.json from those left to their defaults.
/// </summary>
internal sealed record GptSettings(
    string? Text, string? Tokenizer, int? Steps, int? BatchSize, int? Context, int? Layers, int? DModel, int? Heads,
    double? LearningRate, int? EvalEvery, string? Out, bool Resume, bool Force, ulong? Seed, int? Threads, bool Quiet, long? StopAfterSteps)
{
    public void Validate()
    {
        void AtLeast(string option, long? value, long min)
        {
            if (value is { } v && v < min) throw new ArgumentException($"{option} must be at least {min}, got {v}.");
        }
        AtLeast("--steps", Steps, 1);
        AtLeast("--batch-size", BatchSize, 1);
        AtLeast("--context", Context, 2);
        AtLeast("--layers", Layers, 1);
        AtLeast("--d-model", DModel, 1);
        AtLeast("--heads", Heads, 1);
        AtLeast("--eval-every", EvalEvery, 1);
        AtLeast("--threads", Threads, 1);
        AtLeast("--stop-after-steps", StopAfterSteps, 1);
        if (DModel is { } d && Heads is { } h && d % h != 0)
            throw new ArgumentException($"--d-model {d} must be divisible by --heads {h}.");
        if (LearningRate is { } lr && !(lr > 0 && double.IsFinite(lr))) throw new ArgumentException($"--lr must be a positive number, got {lr}.");
        if (Resume && Force) throw new ArgumentException("--resume continues the run in the folder and --force starts it over; give one of them.");
        if (Out is { Length: 0 }) throw new ArgumentException("--out must name a folder.");
    }
}
