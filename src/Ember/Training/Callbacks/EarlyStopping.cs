namespace Ember.Training;

/// <summary>
/// Stops training when a log value has not improved by more than <c>minDelta</c> for <c>patience</c> epochs
/// (Keras' EarlyStopping). With <c>restoreBestWeights</c>, the model gets the weights of its best epoch back
/// when the run ends, whether it stopped early, hit the epoch limit or was stopped by another callback.
/// </summary>
public sealed class EarlyStopping : Callback
{
    readonly Monitor monitor;
    readonly int patience;
    readonly bool restoreBestWeights;
    Dictionary<string, Tensor>? bestWeights;

    /// <param name="monitor">The log value to watch ("val_loss", "val_accuracy").</param>
    /// <param name="mode">"min", "max", or "auto" (max for accuracies and scores, min otherwise).</param>
    /// <param name="patience">Epochs without improvement before stopping.</param>
    /// <param name="minDelta">The least change that counts as an improvement.</param>
    /// <param name="restoreBestWeights">Load the best epoch's weights when the run ends.</param>
    public EarlyStopping(string monitor = "val_loss", string mode = "auto", int patience = 0, double minDelta = 0, bool restoreBestWeights = false)
    {
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"EarlyStopping: patience must be non-negative, got {patience}.");
        this.monitor = new Monitor(nameof(EarlyStopping), monitor, mode, minDelta);
        this.patience = patience;
        this.restoreBestWeights = restoreBestWeights;
    }

    /// <summary>The best value so far (±infinity before the first epoch).</summary>
    public double Best => monitor.Best;

    /// <summary>The epoch (from 0) of the best value, or -1.</summary>
    public int BestEpoch { get; private set; } = -1;

    /// <summary>Epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch (from 0) after which training was stopped, or -1.</summary>
    public int StoppedEpoch { get; private set; } = -1;

    public override void OnEpochEnd(TrainingContext context)
    {
        double v = monitor.Read(context.Logs);
        if (monitor.IsImprovement(v))
        {
            monitor.Best = v;
            BestEpoch = context.Epoch;
            Wait = 0;
            if (restoreBestWeights) KeepWeights(context);
            return;
        }
        Wait++;
        if (Wait >= patience && context.Epoch + 1 < context.Epochs)
        {
            StoppedEpoch = context.Epoch;
            context.Stop($"EarlyStopping: '{monitor.Key}' has not improved on {monitor.Best:G6} (epoch {BestEpoch + 1}) for {Wait} epoch(s); stopped after epoch {context.Epoch + 1}.");
        }
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        if (!restoreBestWeights || bestWeights is null) return;
        context.Model.LoadStateDict(bestWeights);
        foreach (var t in bestWeights.Values) t.Dispose();
        bestWeights = null;
    }

    void KeepWeights(TrainingContext context)
    {
        using (Autograd.NoGrad())
        {
            if (bestWeights is null) bestWeights = context.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
            else foreach (var (k, t) in context.Model.StateDict()) bestWeights[k].CopyFrom(t);
        }
    }

    public override Dictionary<string, double>? GetState()
        => new() { ["best"] = monitor.Best, ["best_epoch"] = BestEpoch, ["wait"] = Wait };

    public override void SetState(IReadOnlyDictionary<string, double> state)
    {
        monitor.Best = state["best"];
        BestEpoch = (int)state["best_epoch"];
        Wait = (int)state["wait"];
    }
}
