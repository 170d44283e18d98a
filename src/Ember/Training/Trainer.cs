using System.Diagnostics;
using Ember.Data;
using Ember.NN;
using Ember.Optim;

namespace Ember.Training;

/// <summary>When a per-step or per-epoch learning-rate schedule advances.</summary>
public enum SchedulerInterval { Epoch, Step }

/// <summary>
/// The training loop with the usual extras, Keras-style: <see cref="Fit"/> runs epochs of
/// forward → loss → backward → (clip) → step over a loader, with metrics, validation, schedules, gradient
/// accumulation, callbacks and progress output, and returns the <see cref="History"/>. It is the plain loop
/// written once; every piece (metrics, callbacks, <see cref="Checkpoint"/>) also works from your own loop.
/// </summary>
/// <example>
/// <code>
/// var trainer = new Trainer(model, new Adam(model.Parameters(), 1e-3), (y, t) => F.CrossEntropy(y, t))
/// {
///     Metrics = [new Accuracy()],
///     Callbacks = { new EarlyStopping("val_loss", patience: 3), new ModelCheckpoint("checkpoints") },
/// };
/// var history = trainer.Fit(trainLoader, epochs: 10, validation: testLoader);
/// </code>
/// </example>
public sealed partial class Trainer
{
    readonly Dictionary<string, Generator> generators = [];

    public Trainer(Module<Tensor, Tensor> model, Optimizer optimizer, Func<Tensor, Tensor, Tensor> loss)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
        Loss = loss ?? throw new ArgumentNullException(nameof(loss));
    }

    public Module<Tensor, Tensor> Model { get; }
    public Optimizer Optimizer { get; }

    /// <summary>The loss of a batch: (model output, target) → a one-element tensor, the mean over the batch.</summary>
    public Func<Tensor, Tensor, Tensor> Loss { get; }

    /// <summary>Computed on training batches and, prefixed "val_", on the validation loader.</summary>
    public IReadOnlyList<Metric> Metrics { get; init; } = [];

    /// <summary>Called by <see cref="Callback.Order"/>, then in the order added. The trainer adds its own for the schedule and the progress output.</summary>
    public List<Callback> Callbacks { get; init; } = [];

    /// <summary>A schedule stepped every epoch or every optimizer step (<see cref="SchedulerInterval"/>); saved in checkpoints.</summary>
    public LRScheduler? Scheduler { get; init; }

    public SchedulerInterval SchedulerInterval { get; init; } = SchedulerInterval.Epoch;

    /// <summary>Cuts the rate when <see cref="PlateauMonitor"/> stops improving, stepped after each epoch; saved in checkpoints.</summary>
    public ReduceLROnPlateau? Plateau { get; init; }

    /// <summary>The log value <see cref="Plateau"/> watches (default "val_loss", or "loss" without validation).</summary>
    public string? PlateauMonitor { get; init; }

    /// <summary>Rescales the gradients so that their joint L2 norm is at most this, before each step.</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Clamps every gradient element into [-v, v] before each step.</summary>
    public double? ClipGradValue { get; init; }

    /// <summary>Micro-batches per optimizer step; each loss is scaled by 1/N so N batches of B act as one of N·B.</summary>
    public int AccumulationSteps
    {
        get;
        init
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(AccumulationSteps), value, $"Trainer: AccumulationSteps must be at least 1, got {value}.");
            field = value;
        }
    } = 1;

    /// <summary>How progress is shown (default: a live bar on a terminal, one line per epoch when output is redirected).</summary>
    public ProgressMode Progress { get; init; } = ProgressMode.Auto;

    /// <summary>Where progress goes (default: the console).</summary>
    public TextWriter? ProgressWriter { get; init; }

    /// <summary>Epochs finished so far (across resumes); the next Fit starts here.</summary>
    public int Epoch { get; internal set; }

    /// <summary>Optimizer steps taken so far (across resumes).</summary>
    public long GlobalStep { get; internal set; }

    /// <summary>Every finished epoch so far, across Fit calls and resumes.</summary>
    public History History { get; internal set; } = new();

    /// <summary>Generators whose state checkpoints keep (e.g. a dropout layer's or an augmentation's), by name.</summary>
    public IReadOnlyDictionary<string, Generator> Generators => generators;

    /// <summary>Keeps <paramref name="generator"/>'s state in checkpoints under <paramref name="name"/>, so randomness resumes exactly.</summary>
    public Trainer RegisterGenerator(string name, Generator generator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(generator);
        if (name.Contains('.')) throw new ArgumentException($"Trainer.RegisterGenerator: the name '{name}' must not contain '.'.", nameof(name));
        generators[name] = generator;
        return this;
    }

    /// <summary>
    /// Trains from epoch <see cref="Epoch"/> up to (not including) <paramref name="epochs"/>, as Keras' fit
    /// with initial_epoch: after loading a checkpoint of 2 epochs, <c>Fit(loader, 4)</c> runs epochs 2 and 3.
    /// Loaders that implement <see cref="IEpochLoader"/> are set to each epoch first, so their order is the same
    /// however the run was cut. Returns <see cref="History"/>.
    /// </summary>
    public History Fit(IEnumerable<Batch> train, int epochs, IEnumerable<Batch>? validation = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (epochs < 0) throw new ArgumentOutOfRangeException(nameof(epochs), epochs, $"Trainer.Fit: epochs must not be negative, got {epochs}.");
        CheckDataSeed(train);
        var callbacks = AllCallbacks(validation != null);
        var ctx = new TrainingContext(Model, Optimizer)
        {
            Trainer = this, Epochs = epochs, Epoch = Epoch, GlobalStep = GlobalStep, Metrics = Metrics, History = History,
            Logs = History.Epochs.Count > 0 ? new(History.Epochs[^1].Values) : [],
        };
        History.StopReason = null;
        foreach (var c in callbacks) c.OnTrainBegin(ctx);
        try
        {
            while (Epoch < epochs && !ctx.StopTraining)
            {
                ctx.Epoch = Epoch;
                var logs = RunEpoch(train, validation, ctx, callbacks);
                if (logs is null) break; // stopped mid-epoch
                Epoch++;
                History.Add(new EpochLog(ctx.Epoch, logs));
                ctx.Logs = logs;
                foreach (var c in callbacks) c.OnEpochEnd(ctx);
            }
        }
        finally
        {
            History.StopReason = ctx.StopReason;
            foreach (var c in callbacks) c.OnTrainEnd(ctx);
            Model.Train();
        }
        return History;
    }

    List<Callback> AllCallbacks(bool hasValidation)
    {
        var all = new List<Callback>();
        if (Scheduler != null) all.Add(new LearningRateScheduler(Scheduler, SchedulerInterval));
        if (Plateau != null) all.Add(new LearningRateScheduler(Plateau, PlateauMonitor ?? (hasValidation ? "val_loss" : "loss")));
        all.AddRange(Callbacks);
        all.Add(new ProgressCallback(Progress, ProgressWriter));
        // A stable sort: equal orders keep the order they were added in.
        return all.Select((c, i) => (c, i)).OrderBy(p => p.c.Order).ThenBy(p => p.i).Select(p => p.c).ToList();
    }

    /// <summary>One epoch of training and validation; null when a callback stopped it part-way.</summary>
    Dictionary<string, double>? RunEpoch(IEnumerable<Batch> train, IEnumerable<Batch>? validation, TrainingContext ctx, List<Callback> callbacks)
    {
        SetEpoch(train, Epoch);
        ctx.StepsPerEpoch = CountOf(train);
        ctx.Step = 0;
        ctx.EpochSamples = 0;
        ctx.RunningLoss.Reset();
        foreach (var m in Metrics) m.Reset();
        double lr = Optimizer.LearningRate;
        Model.Train();
        foreach (var c in callbacks) c.OnEpochBegin(ctx);

        var clock = Stopwatch.StartNew();
        int pending = 0; // micro-batches since the last optimizer step
        Optimizer.ZeroGrad();
        foreach (var batch in train)
        {
            using (batch)
            {
                foreach (var c in callbacks) c.OnBatchBegin(ctx);
                TrainBatch(batch, ctx);
                pending++;
                if (pending == AccumulationSteps && !OptimizerStep(ctx, callbacks)) return null;
                if (pending == AccumulationSteps) pending = 0;
                foreach (var c in callbacks) c.OnBatchEnd(ctx);
                if (ctx.StopTraining) return null;
            }
        }
        // A short tail of micro-batches still gets its step.
        if (pending > 0 && !OptimizerStep(ctx, callbacks)) return null;
        double seconds = clock.Elapsed.TotalSeconds;

        var logs = new Dictionary<string, double> { ["loss"] = ctx.RunningLoss.Compute() };
        foreach (var m in Metrics) logs[m.Name] = m.Compute();
        if (validation != null)
        {
            SetEpoch(validation, Epoch);
            foreach (var (k, v) in Evaluate(validation)) logs["val_" + k] = v;
        }
        logs["lr"] = lr;
        logs["epoch_time"] = seconds;
        logs["samples_per_second"] = seconds > 0 ? ctx.EpochSamples / seconds : double.NaN;
        return logs;
    }

    void TrainBatch(Batch batch, TrainingContext ctx)
    {
        var (x, y) = batch;
        using var output = Model.Forward(x);
        using var loss = Loss(output, y);
        CheckLoss(loss, output, y);
        if (AccumulationSteps == 1) loss.Backward();
        else
        {
            using var scaled = loss * (1.0f / AccumulationSteps);
            scaled.Backward();
        }
        double value = ScalarOf(loss);
        int n = batch.Size;
        ctx.BatchLoss = value;
        ctx.BatchSize = n;
        ctx.Step++;
        ctx.EpochSamples += n;
        ctx.RunningLoss.Update(value, n);
        using (Autograd.NoGrad())
            foreach (var m in Metrics) m.Update(output, y);
    }

    /// <summary>Clips, lets callbacks veto, steps, clears the gradients; false when a callback stopped the run.</summary>
    bool OptimizerStep(TrainingContext ctx, List<Callback> callbacks)
    {
        if (ClipGradNorm is { } maxNorm) GradClipping.ClipGradNorm(Model.Parameters(), maxNorm);
        if (ClipGradValue is { } clip) GradClipping.ClipGradValue(Model.Parameters(), clip);
        foreach (var c in callbacks) c.OnBeforeOptimizerStep(ctx);
        if (ctx.StopTraining) { Optimizer.ZeroGrad(); return false; }
        Optimizer.Step();
        Optimizer.ZeroGrad();
        GlobalStep++;
        ctx.GlobalStep = GlobalStep;
        return true;
    }

    static void CheckLoss(Tensor loss, Tensor output, Tensor target)
    {
        if (loss.NumElements != 1)
            throw new ArgumentException($"Trainer: the loss function gave a tensor of shape {Shapes.Format(loss.Shape)} for outputs {Shapes.Format(output.Shape)} and targets {Shapes.Format(target.Shape)}; it must give one number (reduce with the mean).");
    }

    internal static double ScalarOf(Tensor t) => t.DType switch
    {
        DType.Float32 => t.Item<float>(),
        DType.Float64 => t.Item<double>(),
        _ => MetricInputs.Doubles(t)[0],
    };

    /// <summary>The training loader's seed in the run so far (from a checkpoint, or the last Fit), when the loader has one.</summary>
    public ulong? DataSeed { get; internal set; }

    // Resuming with a loader of another seed would silently change the data order.
    void CheckDataSeed(IEnumerable<Batch> train)
    {
        if (SeedOf(train) is not { } seed) return;
        if (DataSeed is { } expected && expected != seed && Epoch > 0)
            throw new InvalidOperationException($"Trainer.Fit: the training loader's seed is {seed}, but the run so far used {expected}; the data order would not continue. Build the loader with seed: {expected}.");
        DataSeed = seed;
    }

    static ulong? SeedOf(IEnumerable<Batch> loader) => (loader as IEpochLoader)?.Seed;

    // Loaders that know their epoch (IEpochLoader) are set to it, so a resumed run continues the order.
    static void SetEpoch(IEnumerable<Batch> loader, long epoch) => (loader as IEpochLoader)?.SetEpoch(epoch);

    static int? CountOf(IEnumerable<Batch> loader) => loader switch
    {
        IEpochLoader l => l.BatchCount,
        IReadOnlyCollection<Batch> r => r.Count,
        ICollection<Batch> c => c.Count,
        _ => null,
    };
}
