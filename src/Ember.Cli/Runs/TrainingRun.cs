using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ember.Cli.Commands;
using Ember.Cli.Models;
using Ember.Data;
using Ember.NN;
using Ember.Optim;
using Ember.Training;
using F = Ember.NN.Functional;

namespace Ember.Cli.Runs;

/// <summary>
/// One invocation of `ember train`: checks everything it can before writing anything (options, the data, and on
/// --resume the folder's config and checkpoint), then trains with validation, checkpoints, metrics.csv and
/// TensorBoard events, and at the end scores the best checkpoint on the test set and writes the plots and
/// summary.json. Exit codes: 0 done, 1 bad input, 130 stopped by Ctrl+C (the state is saved).
/// </summary>
internal sealed class TrainingRun(TrainSettings settings, TextWriter output, TextWriter error)
{
    public const int EvalBatchSize = 500, Interrupted = 130;
    const int DefaultPatience = 5;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        settings.Validate();
        var spec = ModelZoo.Get(settings.Model ?? ModelZoo.Default);
        string dir = settings.Out ?? Path.Combine("runs", spec.Name);
        string lastPath = Path.Combine(dir, RunWeights.Last);

        RunConfig config;
        FashionData data;
        int threads;
        if (settings.Resume)
        {
            config = RunConfig.Load(dir);
            CheckResumeOptions(config, RunConfig.PathIn(dir));
            spec = ModelZoo.Get(config.Model, $"'{RunConfig.PathIn(dir)}'");
            if (!File.Exists(lastPath))
                throw new FileNotFoundException($"--resume: '{dir}' has no {RunWeights.Last} to resume from (no epoch has finished); start it over with --force.");
            RunWeights.CheckModel(lastPath, spec, RunConfig.PathIn(dir));
            data = FashionData.Load(settings.Data ?? (Directory.Exists(config.DataDirectory) ? config.DataDirectory : null));
            if (data.RawTrain.Count != config.TrainImages)
                throw new InvalidDataException($"--resume: the run trained on {config.TrainImages} images, but '{data.RawTrain.ImagesPath}' holds {data.RawTrain.Count}; pass the run's data with --data {config.DataDirectory}.");
            threads = settings.Threads ?? config.Threads;
        }
        else
        {
            if (HoldsRun(dir) && !settings.Force)
                throw new InvalidOperationException($"'{dir}' already holds a run; continue it with --resume, start it over with --force, or choose another folder with --out.");
            data = FashionData.Load(settings.Data);
            threads = settings.Threads ?? Environment.ProcessorCount;
            config = new RunConfig
            {
                Model = spec.Name,
                Epochs = settings.Epochs ?? (data.Source == "full" ? spec.FullEpochs : spec.SubsetEpochs),
                BatchSize = settings.BatchSize ?? spec.BatchSize,
                LearningRate = settings.LearningRate ?? spec.LearningRate,
                Seed = settings.Seed ?? 0,
                Threads = threads,
                Limit = settings.Limit,
                Patience = settings.Patience ?? DefaultPatience,
                Augment = spec.Augment,
                DataDirectory = Path.GetFullPath(data.Directory),
                DataSource = data.Source,
                TrainImages = data.RawTrain.Count,
            };
            Directory.CreateDirectory(dir);
            if (settings.Force) DeleteRun(dir);
            config.Save(dir);
        }

        Threading.SetNumThreads(threads);
        var (trainSet, valSet, testSet) = data.Splits(config.ValidationFraction, config.Seed, config.Augment, config.Limit);
        using var trainLoader = new DataLoader(trainSet, config.BatchSize, shuffle: true, seed: unchecked(config.Seed + 1), numWorkers: settings.Workers);
        using var valLoader = new DataLoader(valSet, EvalBatchSize, numWorkers: settings.Workers);
        using var testLoader = new DataLoader(testSet, EvalBatchSize, numWorkers: settings.Workers);

        var dropout = new Generator(unchecked(config.Seed + 2));
        var model = spec.Create(new Generator(config.Seed), dropout);
        CheckpointMetadata.SetModelName(model, spec.Name); // so eval, predict and --resume can tell whose checkpoint a file is
        var optimizer = new Adam(model.Parameters(), config.LearningRate);
        int stepsPerEpoch = trainLoader.Count;
        var interrupt = new Interrupt(lastPath, settings.StopAfterSteps);
        var callbacks = new List<Callback>
        {
            new NanGuard(),
            new ModelCheckpoint(dir, "val_accuracy", "max"),
            new CsvLogger(Path.Combine(dir, "metrics.csv")),
            new TensorBoardCallback(dir, logEverySteps: 50),
            interrupt,
        };
        if (config.Patience > 0) callbacks.Add(new EarlyStopping("val_accuracy", "max", config.Patience));
        var trainer = new Trainer(model, optimizer, (y, t) => F.CrossEntropy(y, t))
        {
            Metrics = [new Accuracy()],
            Callbacks = callbacks,
            Scheduler = new CosineAnnealingLR(optimizer, config.Epochs * stepsPerEpoch),
            SchedulerInterval = SchedulerInterval.Step,
            Progress = settings.Quiet ? ProgressMode.Quiet : ProgressMode.Auto,
            ProgressWriter = ReferenceEquals(output, Console.Out) ? null : output,
        };
        trainer.RegisterGenerator("dropout", dropout);

        IEnumerable<Batch> train = trainLoader;
        if (settings.Resume)
        {
            Checkpoint.Load(lastPath, trainer);
            long done = trainer.GlobalStep - (long)trainer.Epoch * stepsPerEpoch;
            if (done < 0 || done > stepsPerEpoch)
                throw new InvalidDataException($"--resume: '{lastPath}' was written after {trainer.GlobalStep} steps in {trainer.Epoch} epochs, which does not fit {stepsPerEpoch} steps per epoch; the data or batch size differ from the run's.");
            if (done > 0) train = new SkippingLoader(trainLoader, trainer.Epoch, (int)done);
            if (threads != config.Threads && trainer.Epoch < config.Epochs)
                error.WriteLine($"ember train: note: the run used {config.Threads} threads and this part uses {threads}; the result will not be bit-identical to an uninterrupted run.");
        }

        if (!settings.Quiet)
        {
            output.WriteLine($"Data: {data.Describe()}; {trainSet.Count:N0} images for training, {valSet.Count:N0} held out for validation, {testSet.Count:N0} for the test.");
            output.WriteLine(settings.Resume
                ? trainer.Epoch >= config.Epochs
                    ? $"The {spec.Name} run in {dir} has finished its {config.Epochs} epoch(s); scoring its best checkpoint on the test set again."
                    : $"Resuming {spec.Name} in {dir} after epoch {trainer.Epoch} of {config.Epochs} (step {trainer.GlobalStep:N0}); {threads} thread(s)."
                : string.Create(Inv, $"Model: {spec.Name} ({model.ParameterCount:N0} parameters), {config.Epochs} epoch(s) of {stepsPerEpoch} steps, batch {config.BatchSize}, Adam lr {config.LearningRate} on a cosine schedule{(config.Augment ? ", crop and flip augmentation" : "")}, seed {config.Seed}, {threads} thread(s); writing to {dir}."));
        }

        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (interrupt.Requested)
            {
                error.WriteLine("ember train: stopping at once; the last checkpoint is kept.");
                return; // e.Cancel stays false: the process ends now
            }
            e.Cancel = true;
            interrupt.Request();
            error.WriteLine("ember train: stopping after this step and saving (Ctrl+C again to quit at once)...");
        };
        Console.CancelKeyPress += onCancel;
        try { trainer.Fit(train, config.Epochs, valLoader); }
        finally { Console.CancelKeyPress -= onCancel; }

        if (interrupt.StoppedAt is { } where)
        {
            // The progress output has already said where the run stopped, unless it is quiet.
            output.WriteLine($"{(settings.Quiet ? $"Stopped at {where}. " : "")}The training state is saved in {lastPath}; continue with: ember train --resume --out {dir}");
            return Interrupted;
        }
        if (trainer.History.StopReason is { } reason && settings.Quiet) output.WriteLine(reason);
        return Finish(config, spec, model, trainer, data, testLoader, dir, threads, clock, (trainSet.Count, valSet.Count));
    }

    /// <summary>Scores the best checkpoint on the test set and writes the plots and summary.json.</summary>
    int Finish(RunConfig config, ModelSpec spec, Module<Tensor, Tensor> model, Trainer trainer, FashionData data,
        DataLoader testLoader, string dir, int threads, Stopwatch clock, (int Train, int Validation) counts)
    {
        string configPath = RunConfig.PathIn(dir);
        string weights = RunWeights.Find(dir, "best");
        RunWeights.Load(model, weights, spec, configPath);
        int bestEpoch = Checkpoint.ReadInfo(weights).Epoch;
        var test = EvaluationResult.Of(model, testLoader, FashionMnist.ClassNames.Count);
        var history = trainer.History;
        RunArtifacts.SaveCurves(history, Path.Combine(dir, RunArtifacts.Curves));
        RunArtifacts.SaveTestPlots(test, data.RawTest, dir);
        var summary = new JsonObject
        {
            ["model"] = spec.Name,
            ["parameters"] = model.ParameterCount,
            ["data_source"] = data.Source,
            ["data_directory"] = Path.GetFullPath(data.Directory),
            ["train_samples"] = counts.Train,
            ["validation_samples"] = counts.Validation,
            ["test_samples"] = test.Samples,
            ["epochs"] = trainer.Epoch,
            ["epochs_planned"] = config.Epochs,
            ["batch_size"] = config.BatchSize,
            ["lr"] = config.LearningRate,
            ["optimizer"] = config.Optimizer,
            ["schedule"] = config.Schedule,
            ["augment"] = config.Augment,
            ["limit"] = config.Limit,
            ["seed"] = config.Seed,
            ["threads"] = threads,
            ["workers"] = settings.Workers,
            ["test_accuracy"] = test.Accuracy,
            ["test_loss"] = test.Loss,
            ["best_val_accuracy"] = history.Epochs.Count > 0 ? history["val_accuracy"].Max() : double.NaN,
            ["best_epoch"] = bestEpoch,
            ["checkpoint"] = Path.GetFileName(weights),
            ["seconds_per_epoch"] = RunArtifacts.MeanOf(history, "epoch_time"),
            ["samples_per_second"] = RunArtifacts.MeanOf(history, "samples_per_second"),
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["stop_reason"] = history.StopReason,
            ["per_class"] = RunArtifacts.PerClass(test),
        };
        RunArtifacts.SaveSummary(summary, Path.Combine(dir, RunArtifacts.Summary));
        output.WriteLine(string.Create(Inv,
            $"Test accuracy {test.Accuracy * 100:F2}%, loss {test.Loss:F4} on {test.Samples:N0} test images ({Path.GetFileName(weights)}, epoch {bestEpoch}); results in {dir}"));
        return 0;
    }

    /// <summary>Options that decide the result must agree with the run being resumed; threads, workers and output may change.</summary>
    void CheckResumeOptions(RunConfig config, string configPath)
    {
        void Same<T>(string option, T? given, T saved) where T : struct
        {
            if (given is { } g && !g.Equals(saved))
                throw new ArgumentException($"--resume: {option} {Convert.ToString(g, Inv)} differs from the run's {Convert.ToString(saved, Inv)} in '{configPath}'; a resumed run keeps its settings, so leave the option out or train a new run with --out.");
        }
        if (settings.Model is { } m && m != config.Model)
            throw new ArgumentException($"--resume: --model {m} differs from the run's '{config.Model}' in '{configPath}'; train {m} into another folder with --out.");
        Same("--epochs", settings.Epochs, config.Epochs);
        Same("--batch-size", settings.BatchSize, config.BatchSize);
        Same("--lr", settings.LearningRate, config.LearningRate);
        Same("--seed", settings.Seed, config.Seed);
        Same("--patience", settings.Patience, config.Patience);
        if (settings.Limit != config.Limit && settings.Limit != null)
            throw new ArgumentException($"--resume: --limit {settings.Limit} differs from the run's {config.Limit?.ToString(Inv) ?? "(none)"} in '{configPath}'; leave the option out or train a new run with --out.");
    }

    static readonly string[] RunFiles =
        [RunConfig.FileName, RunWeights.Best, RunWeights.Last, "metrics.csv", RunArtifacts.Summary, RunArtifacts.Curves, RunArtifacts.Confusion, RunArtifacts.Predictions];

    static bool HoldsRun(string dir) => File.Exists(RunConfig.PathIn(dir)) || File.Exists(Path.Combine(dir, RunWeights.Last));

    /// <summary>Removes the files an earlier run left (for --force), and nothing else.</summary>
    static void DeleteRun(string dir)
    {
        foreach (var name in RunFiles) File.Delete(Path.Combine(dir, name));
        foreach (var events in Directory.EnumerateFiles(dir, "events.out.tfevents.*")) File.Delete(events);
    }
}
