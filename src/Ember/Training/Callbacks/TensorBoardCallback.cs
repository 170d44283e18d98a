using Ember.NN;

namespace Ember.Training;

/// <summary>
/// Logs a run to TensorBoard through a <see cref="SummaryWriter"/>: every epoch's values as scalars
/// ("epoch/loss", "epoch/val_accuracy", "epoch/lr", … at step = epoch), the running loss and learning rate
/// every <c>logEverySteps</c> optimizer steps ("step/loss", "step/lr" at the global step), and, with
/// <c>histograms</c>, a histogram of every parameter per epoch. The writer is flushed after each epoch; a
/// writer made from a folder is also disposed at the end of the run.
/// </summary>
public sealed class TensorBoardCallback : Callback
{
    readonly bool ownsWriter;
    readonly int logEverySteps;
    readonly bool histograms;
    SummaryWriter? writer;
    readonly string? logDir;
    long lastLogged = -1;

    /// <param name="logDir">The run folder; the writer is made at the start of training.</param>
    /// <param name="logEverySteps">Log step scalars every this many optimizer steps (0: never).</param>
    /// <param name="histograms">Log a histogram of every parameter after each epoch.</param>
    public TensorBoardCallback(string logDir, int logEverySteps = 0, bool histograms = true)
        : this(logEverySteps, histograms)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logDir);
        this.logDir = logDir;
        ownsWriter = true;
    }

    /// <summary>Logs to a writer the caller owns (and disposes).</summary>
    public TensorBoardCallback(SummaryWriter writer, int logEverySteps = 0, bool histograms = true)
        : this(logEverySteps, histograms)
    {
        this.writer = writer ?? throw new ArgumentNullException(nameof(writer));
    }

    TensorBoardCallback(int logEverySteps, bool histograms)
    {
        if (logEverySteps < 0) throw new ArgumentOutOfRangeException(nameof(logEverySteps), logEverySteps, $"TensorBoardCallback: logEverySteps must be non-negative, got {logEverySteps}.");
        this.logEverySteps = logEverySteps;
        this.histograms = histograms;
    }

    /// <summary>The writer in use (null before training when made from a folder).</summary>
    public SummaryWriter? Writer => writer;

    public override void OnTrainBegin(TrainingContext context)
    {
        if (ownsWriter && writer is null) writer = new SummaryWriter(logDir);
    }

    public override void OnBatchEnd(TrainingContext context)
    {
        if (logEverySteps == 0 || writer is null || context.GlobalStep == lastLogged || context.GlobalStep % logEverySteps != 0) return;
        lastLogged = context.GlobalStep;
        writer.AddScalar("step/loss", context.RunningLoss.Compute(), context.GlobalStep);
        if (context.Optimizer is { } opt) writer.AddScalar("step/lr", opt.LearningRate, context.GlobalStep);
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        if (writer is null) return;
        foreach (var (k, v) in context.Logs) writer.AddScalar("epoch/" + k, v, context.Epoch);
        if (histograms)
            foreach (var (name, p) in context.Model.NamedParameters())
                if (p.NumElements > 0) writer.AddHistogram(name, p, context.Epoch);
        writer.Flush();
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        if (writer is null) return;
        writer.Flush();
        if (ownsWriter)
        {
            writer.Dispose();
            writer = null;
        }
    }
}
