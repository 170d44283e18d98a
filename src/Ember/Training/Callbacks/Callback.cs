namespace Ember.Training;

/// <summary>
/// Hooks into a training run (Keras' Callback). Override the hooks you need; each gets the run's
/// <see cref="TrainingContext"/>, which also works from a hand-written loop. Setting
/// <see cref="TrainingContext.StopTraining"/> ends the run: at an epoch's end after that epoch, mid-epoch
/// at once, with the rest of the epoch abandoned (no step is taken on the current gradients).
/// </summary>
public abstract class Callback
{
    /// <summary>
    /// Where the callback runs among the others (lower first; ties keep the order they were added in).
    /// Schedulers run early so that checkpoints written in the same hook already hold the next epoch's rate.
    /// </summary>
    public virtual int Order => 0;

    public virtual void OnTrainBegin(TrainingContext context) { }
    public virtual void OnEpochBegin(TrainingContext context) { }
    public virtual void OnBatchBegin(TrainingContext context) { }

    /// <summary>After backward, before the optimizer step (gradients are complete and clipped); set StopTraining to skip the step.</summary>
    public virtual void OnBeforeOptimizerStep(TrainingContext context) { }

    public virtual void OnBatchEnd(TrainingContext context) { }

    /// <summary>After a whole epoch (and validation); <see cref="TrainingContext.Logs"/> holds its values.</summary>
    public virtual void OnEpochEnd(TrainingContext context) { }

    public virtual void OnTrainEnd(TrainingContext context) { }

    /// <summary>Numbers to keep in a checkpoint so that a resumed run continues where this one stopped (null: none).</summary>
    public virtual Dictionary<string, double>? GetState() => null;

    /// <summary>Takes back what <see cref="GetState"/> gave.</summary>
    public virtual void SetState(IReadOnlyDictionary<string, double> state) { }
}

/// <summary>A callback made of delegates, for one-off hooks: <c>new LambdaCallback { EpochEnd = c => … }</c>.</summary>
public sealed class LambdaCallback(int order = 0) : Callback
{
    public override int Order => order;

    public Action<TrainingContext>? TrainBegin { get; init; }
    public Action<TrainingContext>? EpochBegin { get; init; }
    public Action<TrainingContext>? BatchBegin { get; init; }
    public Action<TrainingContext>? BeforeOptimizerStep { get; init; }
    public Action<TrainingContext>? BatchEnd { get; init; }
    public Action<TrainingContext>? EpochEnd { get; init; }
    public Action<TrainingContext>? TrainEnd { get; init; }

    public override void OnTrainBegin(TrainingContext context) => TrainBegin?.Invoke(context);
    public override void OnEpochBegin(TrainingContext context) => EpochBegin?.Invoke(context);
    public override void OnBatchBegin(TrainingContext context) => BatchBegin?.Invoke(context);
    public override void OnBeforeOptimizerStep(TrainingContext context) => BeforeOptimizerStep?.Invoke(context);
    public override void OnBatchEnd(TrainingContext context) => BatchEnd?.Invoke(context);
    public override void OnEpochEnd(TrainingContext context) => EpochEnd?.Invoke(context);
    public override void OnTrainEnd(TrainingContext context) => TrainEnd?.Invoke(context);
}
