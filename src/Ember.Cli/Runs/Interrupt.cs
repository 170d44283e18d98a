using Ember.Training;

namespace Ember.Cli.Runs;

/// <summary>
/// Ends a run cleanly when asked (Ctrl+C, or after a given optimizer step for tests and smoke runs): after the
/// current step it writes the whole training state to last.safetensors and stops, so `--resume` continues with
/// the next batch. A request on an epoch's last step lets the epoch finish (validation and the usual checkpoints).
/// </summary>
internal sealed class Interrupt(string lastPath, long? afterStep) : Callback
{
    int requested;
    bool atEpochEnd;

    /// <summary>Set once the run has stopped on request: where it stopped, for the message.</summary>
    public string? StoppedAt { get; private set; }

    public bool Requested => Volatile.Read(ref requested) != 0;

    /// <summary>Asks the run to stop after the current step; safe to call from the Ctrl+C handler's thread.</summary>
    public void Request() => Interlocked.Exchange(ref requested, 1);

    // After the schedules have stepped, so the checkpoint holds the rate of the next step.
    public override int Order => 50;

    public override void OnBatchEnd(TrainingContext context)
    {
        if (afterStep is { } n && context.GlobalStep >= n) Request();
        if (!Requested || atEpochEnd) return;
        if (context.Step == context.StepsPerEpoch)
        {
            atEpochEnd = true;
            return;
        }
        Checkpoint.Save(lastPath, context.Trainer ?? throw new InvalidOperationException("Interrupt: the run has no trainer to save."));
        StoppedAt = $"epoch {context.Epoch + 1}, step {context.Step}/{context.StepsPerEpoch}";
        context.Stop($"Interrupted at {StoppedAt}.");
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        // On the run's last epoch there is nothing left to resume: the run finishes as usual.
        if (!atEpochEnd || context.Epoch + 1 >= context.Epochs) return;
        StoppedAt = $"the end of epoch {context.Epoch + 1}";
        context.Stop($"Interrupted at {StoppedAt}.");
    }
}
