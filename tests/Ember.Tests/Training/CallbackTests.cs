using System.Globalization;
using Ember;
using Ember.NN;
using Ember.Optim;
using Ember.Serialization;
using Ember.Tests.TensorBoard;
using Ember.Training;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Training;

public class CallbackTests
{
    /// <summary>Puts a made-up "score" for each epoch into the logs, ahead of the callbacks that read it.</summary>
    static LambdaCallback Scores(params double[] s) => new(order: -1000) { EpochEnd = c => c.Logs["score"] = s[c.Epoch] };

    /// <summary>Keeps a copy of the weights at the end of every epoch.</summary>
    static (LambdaCallback, List<float[][]>) Snapshots()
    {
        var list = new List<float[][]>();
        return (new LambdaCallback { EpochEnd = c => list.Add(TrainingSetup.Weights(c.Model)) }, list);
    }

    static Trainer NewTrainer(Sequential model, params Callback[] callbacks)
        => new(model, new Adam(model.Parameters(), 0.02), TrainingSetup.CrossEntropy)
        {
            Metrics = [new Accuracy()], Progress = ProgressMode.Quiet, Callbacks = [.. callbacks],
        };

    [Fact]
    public void EarlyStoppingStopsAfterPatienceAndRestoresTheBestWeights()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(1);
        var (snap, snapshots) = Snapshots();
        var es = new EarlyStopping("score", mode: "min", patience: 2, restoreBestWeights: true);
        var trainer = NewTrainer(model, Scores(3, 2, 2.5, 2.6, 2.7, 2.8), snap, es);
        var h = trainer.Fit(loader, epochs: 6);

        Assert.Equal(4, h.Epochs.Count); // best at epoch 1, two epochs without improvement, stop
        Assert.Equal(3, es.StoppedEpoch);
        Assert.Equal(1, es.BestEpoch);
        Assert.Contains("EarlyStopping: 'score' has not improved", h.StopReason);
        Assert.Equal(snapshots[1], TrainingSetup.Weights(model));
        Assert.NotEqual(snapshots[3], TrainingSetup.Weights(model));
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeightsAlsoAtTheEpochLimit()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(2);
        var (snap, snapshots) = Snapshots();
        var es = new EarlyStopping("score", patience: 10, restoreBestWeights: true, minDelta: 0.1);
        var h = NewTrainer(model, Scores(3, 1, 0.95, 2), snap, es).Fit(loader, epochs: 4);
        Assert.Equal(4, h.Epochs.Count);
        Assert.Null(h.StopReason);
        Assert.Equal(1, es.BestEpoch); // 0.95 is within minDelta of 1: no improvement
        Assert.Equal(snapshots[1], TrainingSetup.Weights(model));
    }

    [Fact]
    public void EarlyStoppingNamesTheMissingMonitor()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var e = Assert.Throws<InvalidOperationException>(() => NewTrainer(TrainingSetup.Model(3), new EarlyStopping("val_loss")).Fit(loader, 2));
        Assert.Contains("'val_loss'", e.Message);
        Assert.Contains("'loss'", e.Message);
    }

    [Fact]
    public void ModelCheckpointWritesBestAndLastAndNothingElse()
    {
        using var dir = new TempDir();
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(4);
        var (snap, snapshots) = Snapshots();
        var mc = new ModelCheckpoint(dir.Path, monitor: "score", mode: "max");
        var weightsOnly = new ModelCheckpoint(Path.Combine(dir.Path, "w"), monitor: null, weightsOnly: true);
        var trainer = NewTrainer(model, Scores(0.5, 0.9, 0.7), snap, mc, weightsOnly);
        trainer.Fit(loader, epochs: 3);

        Assert.Equal(["best.safetensors", "last.safetensors", "w"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).Order());
        Assert.Equal(["last.safetensors"], Directory.GetFiles(Path.Combine(dir.Path, "w")).Select(Path.GetFileName));
        Assert.Equal(2, Checkpoint.ReadInfo(mc.BestPath).Epoch);
        Assert.Equal(0.9, Checkpoint.ReadInfo(mc.BestPath).BestMetric);
        Assert.Equal(3, Checkpoint.ReadInfo(mc.LastPath).Epoch);
        Assert.Equal(0.9, mc.Best);

        var best = TrainingSetup.Model(99);
        best.LoadStateDict(Strip(Safetensors.Load(mc.BestPath), "model."));
        Assert.Equal(snapshots[1], TrainingSetup.Weights(best));
        var last = TrainingSetup.Model(98);
        last.Load(weightsOnly.LastPath);
        Assert.Equal(snapshots[2], TrainingSetup.Weights(last));
    }

    static Dictionary<string, Tensor> Strip(Dictionary<string, Tensor> all, string prefix)
        => all.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    [Fact]
    public void CsvLoggerWritesOneExactRowPerEpochAndAppendsOnResume()
    {
        using var dir = new TempDir();
        string csv = dir.File("logs/metrics.csv");
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(5);
        var trainer = NewTrainer(model, new CsvLogger(csv));
        trainer.Fit(loader, 2);
        trainer.Callbacks[0] = new CsvLogger(csv); // a resumed run with a fresh logger
        var h = trainer.Fit(loader, 3);

        var lines = File.ReadAllLines(csv);
        Assert.Equal("epoch,loss,accuracy,lr,epoch_time,samples_per_second", lines[0]);
        Assert.Equal(4, lines.Length);
        for (int e = 0; e < 3; e++)
        {
            var cells = lines[e + 1].Split(',');
            Assert.Equal(e.ToString(CultureInfo.InvariantCulture), cells[0]);
            Assert.Equal(h["loss"][e], double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(h["accuracy"][e], double.Parse(cells[2], CultureInfo.InvariantCulture));
            Assert.Equal(h["epoch_time"][e], double.Parse(cells[4], CultureInfo.InvariantCulture));
        }
        // append: false starts afresh.
        trainer.Callbacks[0] = new CsvLogger(csv, append: false);
        trainer.Fit(loader, 4);
        Assert.Equal(2, File.ReadAllLines(csv).Length);
    }

    [Fact]
    public void NanGuardStopsAtTheBadStepAndLeavesTheLastCheckpointAlone()
    {
        using var dir = new TempDir();
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y); // 6 batches per epoch
        var model = TrainingSetup.Model(6);
        int calls = 0;
        Tensor Loss(Tensor o, Tensor t)
        {
            var l = F.CrossEntropy(o, t);
            if (++calls != 9) return l; // epoch 2, step 3
            using (l) return l * float.NaN;
        }
        float[][]? beforeBadStep = null;
        var guard = new NanGuard();
        var mc = new ModelCheckpoint(dir.Path, monitor: null);
        var trainer = new Trainer(model, new Adam(model.Parameters(), 0.01), Loss)
        {
            Progress = ProgressMode.Quiet,
            Callbacks = [new LambdaCallback { BatchBegin = c => beforeBadStep = Parameters(c.Model) }, guard, mc],
        };
        var h = trainer.Fit(loader, 3);
        byte[] lastFile = File.ReadAllBytes(mc.LastPath);

        Assert.Single(h.Epochs);
        Assert.Equal(guard.Message, h.StopReason);
        Assert.StartsWith("NanGuard: the loss is NaN at epoch 2, step 3/6 (global step 9)", h.StopReason);
        Assert.Equal(8, trainer.GlobalStep);
        Assert.Equal(beforeBadStep, Parameters(model)); // buffers (BatchNorm's statistics) did see the forward
        Assert.All(TrainingSetup.Weights(model), w => Assert.All(w, v => Assert.True(float.IsFinite(v))));
        Assert.Equal(1, Checkpoint.ReadInfo(mc.LastPath).Epoch);
        Assert.Equal(lastFile, File.ReadAllBytes(mc.LastPath));
    }

    static float[][] Parameters(Module m) => m.Parameters().Select(p => p.ToArray<float>()).ToArray();

    [Fact]
    public void NanGuardNamesAParameterWithABadGradient()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(7);
        var poison = new LambdaCallback { BeforeOptimizerStep = c => { if (c.GlobalStep == 4) ((Module)c.Model).Parameters().Last().Grad!.Span<float>()[1] = float.PositiveInfinity; } };
        var trainer = NewTrainer(model, poison, new NanGuard());
        var h = trainer.Fit(loader, 2);
        Assert.Contains("the gradient of '4.bias'", h.StopReason);
        Assert.Contains("epoch 1, step 5/6", h.StopReason);
        Assert.Throws<InvalidOperationException>(() => NewTrainer(TrainingSetup.Model(7), new LambdaCallback
        {
            BeforeOptimizerStep = c => c.Model.Parameters().First().Grad!.Span<float>()[0] = float.NaN,
        }, new NanGuard(throwOnNonFinite: true)).Fit(loader, 1));
    }

    [Fact]
    public void LearningRateSchedulesStepPerEpochPerStepAndOnPlateau()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y); // 6 steps per epoch

        var m1 = TrainingSetup.Model(8);
        var o1 = new SGD(m1.Parameters(), 0.1);
        var h1 = new Trainer(m1, o1, TrainingSetup.CrossEntropy) { Progress = ProgressMode.Quiet, Callbacks = [new LearningRateScheduler(new StepLR(o1, 1, 0.5))] }.Fit(loader, 3);
        Assert.Equal([0.1, 0.05, 0.025], h1["lr"]);
        Assert.Equal(0.0125, o1.LearningRate);

        var m2 = TrainingSetup.Model(8);
        var o2 = new SGD(m2.Parameters(), 0.1);
        var t2 = new Trainer(m2, o2, TrainingSetup.CrossEntropy) { Progress = ProgressMode.Quiet, Scheduler = new ExponentialLR(o2, 0.5), SchedulerInterval = SchedulerInterval.Step, AccumulationSteps = 4 };
        var h2 = t2.Fit(loader, 2); // 2 steps per epoch (4 + a tail of 2)
        Assert.Equal([0.1, 0.1 * Math.Pow(0.5, 2)], h2["lr"]);
        Assert.Equal(0.1 * Math.Pow(0.5, 4), o2.LearningRate, 15);

        var m3 = TrainingSetup.Model(8);
        var o3 = new SGD(m3.Parameters(), 0.1);
        var h3 = new Trainer(m3, o3, TrainingSetup.CrossEntropy)
        {
            Progress = ProgressMode.Quiet, Plateau = new ReduceLROnPlateau(o3, patience: 0, factor: 0.5), PlateauMonitor = "score",
            Callbacks = [Scores(1, 2, 0.5, 0.6)],
        }.Fit(loader, 4);
        Assert.Equal([0.1, 0.1, 0.05, 0.05], h3["lr"]);
        Assert.Equal(0.025, o3.LearningRate);
    }

    [Fact]
    public void TensorBoardCallbackWritesEpochAndStepScalarsAndHistograms()
    {
        using var dir = new TempDir();
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var tb = new TensorBoardCallback(dir.Path, logEverySteps: 4);
        NewTrainer(TrainingSetup.Model(9), tb).Fit(loader, 2);

        var events = EventFileReader.ReadEvents(EventFileReader.SingleFile(dir.Path));
        var tags = events.Where(e => e.Summary != null).SelectMany(e => e.Summary.Value.Select(v => (v.Tag, e.Step))).ToList();
        Assert.Equal([0L, 1], tags.Where(t => t.Tag == "epoch/loss").Select(t => t.Step));
        Assert.Equal([0L, 1], tags.Where(t => t.Tag == "epoch/accuracy").Select(t => t.Step));
        Assert.Equal([4L, 8, 12], tags.Where(t => t.Tag == "step/loss").Select(t => t.Step));
        Assert.Equal([4L, 8, 12], tags.Where(t => t.Tag == "step/lr").Select(t => t.Step));
        Assert.Equal(2, tags.Count(t => t.Tag == "0.weight"));
        Assert.Equal(2, tags.Count(t => t.Tag == "1.bias"));
    }

    [Fact]
    public void CallbacksWorkFromAHandWrittenLoop()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(10);
        var opt = new Adam(model.Parameters(), 0.01);
        var acc = new Accuracy();
        var es = new EarlyStopping("loss", patience: 0);
        var ctx = new TrainingContext(model, opt) { Epochs = 50, Metrics = [acc] };
        es.OnTrainBegin(ctx);
        for (ctx.Epoch = 0; ctx.Epoch < ctx.Epochs && !ctx.StopTraining; ctx.Epoch++)
        {
            ctx.RunningLoss.Reset();
            acc.Reset();
            foreach (var (input, target) in loader)
            {
                using var i = input; using var t = target;
                opt.ZeroGrad();
                using var o = model.Forward(i);
                using var l = F.CrossEntropy(o, t);
                l.Backward();
                opt.Step();
                ctx.RunningLoss.Update(l.Item<float>(), i.Shape[0]);
                acc.Update(o, t);
            }
            // A loss that goes up once stops the loop: feed a made-up rise on epoch 3.
            ctx.Logs = new() { ["loss"] = ctx.Epoch == 3 ? 100 : ctx.RunningLoss.Compute(), ["accuracy"] = acc.Compute() };
            es.OnEpochEnd(ctx);
        }
        Assert.True(ctx.StopTraining);
        Assert.Equal(3, es.StoppedEpoch);
        Assert.InRange(acc.Compute(), 0.3, 1.0);
    }
}
