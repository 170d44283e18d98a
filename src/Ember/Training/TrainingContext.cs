using Ember.NN;
using Ember.Optim;

namespace Ember.Training;

/// <summary>
/// What callbacks see of a run. <see cref="Trainer"/> fills it in; a hand-written loop can make one and
/// call the callbacks' hooks itself. Epochs are counted from 0 here, in History and in metrics.csv; messages
/// and progress lines count from 1.
/// </summary>
public sealed class TrainingContext(Module model, Optimizer? optimizer)
{
    public Module Model { get; } = model ?? throw new ArgumentNullException(nameof(model));
    public Optimizer? Optimizer { get; } = optimizer;

    /// <summary>The trainer running the loop, or null in a hand-written loop.</summary>
    public Trainer? Trainer { get; init; }

    /// <summary>The current epoch, from 0.</summary>
    public int Epoch { get; set; }

    /// <summary>The epoch the run stops before (Fit's <c>epochs</c>).</summary>
    public int Epochs { get; set; }

    /// <summary>Batches finished in the current epoch (1 in the first OnBatchEnd).</summary>
    public int Step { get; set; }

    /// <summary>Batches in an epoch, or null when the loader cannot tell.</summary>
    public int? StepsPerEpoch { get; set; }

    /// <summary>Optimizer steps taken since the run began (across resumes).</summary>
    public long GlobalStep { get; set; }

    /// <summary>The loss of the last batch (unscaled by gradient accumulation).</summary>
    public double BatchLoss { get; set; } = double.NaN;

    /// <summary>Samples in the last batch.</summary>
    public int BatchSize { get; set; }

    /// <summary>Samples seen so far in the current epoch.</summary>
    public long EpochSamples { get; set; }

    /// <summary>The mean loss of the current epoch so far.</summary>
    public Mean RunningLoss { get; } = new("loss");

    /// <summary>The metrics being computed, with their values so far this epoch.</summary>
    public IReadOnlyList<Metric> Metrics { get; set; } = [];

    /// <summary>The last finished epoch's values ("loss", "val_accuracy", "lr", …); empty before the first.</summary>
    public Dictionary<string, double> Logs { get; set; } = [];

    /// <summary>The epochs finished so far.</summary>
    public History History { get; set; } = new();

    /// <summary>Set to end the run (see <see cref="Callback"/> for when it takes effect).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Why the run ended early; shown by the progress output and kept in History.</summary>
    public string? StopReason { get; set; }

    /// <summary>Ends the run with <paramref name="reason"/>.</summary>
    public void Stop(string reason)
    {
        StopTraining = true;
        StopReason ??= reason;
    }
}
