using Ember.Optim;

namespace Ember.Training;

/// <summary>
/// Steps a learning-rate schedule from the loop: an <see cref="LRScheduler"/> after every epoch or every
/// optimizer step, or a <see cref="ReduceLROnPlateau"/> after every epoch with a monitored log value.
/// Runs before other callbacks, so checkpoints of an epoch hold the rate of the next.
/// </summary>
public sealed class LearningRateScheduler : Callback
{
    readonly string? monitor;

    public LearningRateScheduler(LRScheduler scheduler, SchedulerInterval interval = SchedulerInterval.Epoch)
    {
        Scheduler = scheduler ?? throw new ArgumentNullException(nameof(scheduler));
        if (!Enum.IsDefined(interval)) throw new ArgumentOutOfRangeException(nameof(interval), interval, $"LearningRateScheduler: unknown interval {interval}.");
        Interval = interval;
    }

    /// <param name="plateau">The schedule.</param>
    /// <param name="monitor">The log value it watches, e.g. "val_loss".</param>
    public LearningRateScheduler(ReduceLROnPlateau plateau, string monitor = "val_loss")
    {
        Plateau = plateau ?? throw new ArgumentNullException(nameof(plateau));
        ArgumentException.ThrowIfNullOrWhiteSpace(monitor);
        this.monitor = monitor;
        Interval = SchedulerInterval.Epoch;
    }

    public LRScheduler? Scheduler { get; }
    public ReduceLROnPlateau? Plateau { get; }
    public SchedulerInterval Interval { get; }

    public override int Order => -100;

    long lastStep;

    public override void OnTrainBegin(TrainingContext context) => lastStep = context.GlobalStep;

    public override void OnBatchEnd(TrainingContext context) => CatchUp(context);

    /// <summary>One schedule step per optimizer step taken (batches that only accumulate take none).</summary>
    void CatchUp(TrainingContext context)
    {
        if (Interval != SchedulerInterval.Step || Scheduler is null) return;
        for (; lastStep < context.GlobalStep; lastStep++) Scheduler.Step();
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        CatchUp(context); // the tail step of an epoch comes after its last OnBatchEnd
        if (Interval == SchedulerInterval.Epoch) Scheduler?.Step();
        if (Plateau != null)
        {
            if (!context.Logs.TryGetValue(monitor!, out var v))
                throw new InvalidOperationException($"LearningRateScheduler: ReduceLROnPlateau monitors '{monitor}', but the logs have {string.Join(", ", context.Logs.Keys.Select(k => $"'{k}'"))}.");
            Plateau.Step(v);
        }
    }
}
