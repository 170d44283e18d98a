using Ember;
using Ember.Data;
using Ember.NN;
using Ember.Optim;
using Ember.Training;
using Xunit;

namespace Ember.Tests.Training;

/// <summary>
/// Exact resume: a run cut by a checkpoint and continued by freshly built objects must match an uncut run
/// bit for bit. These tests run alone (the Memory collection), since the thread count is process-wide.
/// </summary>
[Collection("Memory")]
public class ResumeTests
{
    static readonly string[] Curve = ["loss", "accuracy", "val_loss", "val_accuracy", "lr"];

    /// <summary>Everything a run needs, built from scratch: BatchNorm and Dropout model, a shuffling loader with two workers, Adam and a step schedule.</summary>
    sealed class Run : IDisposable
    {
        public readonly Sequential Model;
        public readonly Trainer Trainer;
        public readonly DataLoader<(Tensor Input, Tensor Label), Batch> Train, Val;

        public Run(ulong dropoutSeed = 100, params Callback[] callbacks)
        {
            var (x, y) = TrainingSetup.Data();
            var (vx, vy) = TrainingSetup.Data(seed: 12, samples: 48);
            Train = TrainingSetup.Loader(x, y, batchSize: 16, shuffle: true, seed: 7, numWorkers: 2);
            Val = TrainingSetup.Loader(vx, vy, batchSize: 16, shuffle: false);
            var dropout = new Generator(dropoutSeed);
            Model = TrainingSetup.Model(1, dropout, p: 0.3);
            var opt = new Adam(Model.Parameters(), 0.02);
            Trainer = new Trainer(Model, opt, TrainingSetup.CrossEntropy)
            {
                Metrics = [new Accuracy()], Progress = ProgressMode.Quiet, Scheduler = new StepLR(opt, 1, 0.7),
                Callbacks = [.. callbacks],
            };
            Trainer.RegisterGenerator("dropout", dropout);
        }

        public void Dispose() { Train.Dispose(); Val.Dispose(); }
    }

    static void AssertSameCurve(History expected, History actual)
    {
        Assert.Equal(expected.Epochs.Count, actual.Epochs.Count);
        foreach (var key in Curve)
            Assert.Equal(expected[key].Select(BitConverter.DoubleToInt64Bits), actual[key].Select(BitConverter.DoubleToInt64Bits));
    }

    static void AssertSameWeights(Module a, Module b)
    {
        var wa = TrainingSetup.Weights(a);
        var wb = TrainingSetup.Weights(b);
        Assert.Equal(wa.Length, wb.Length);
        for (int i = 0; i < wa.Length; i++)
            Assert.Equal(wa[i].Select(BitConverter.SingleToInt32Bits), wb[i].Select(BitConverter.SingleToInt32Bits));
    }

    static T WithThreads<T>(int n, Func<T> body)
    {
        int old = Threading.NumThreads;
        Threading.SetNumThreads(n);
        try { return body(); }
        finally { Threading.SetNumThreads(old); }
    }

    [Fact]
    public void TwoEpochsCheckpointedThenTwoMoreMatchFourUncutEpochsBitForBit()
    {
        using var dir = new TempDir();
        WithThreads(2, () =>
        {
            using var full = new Run();
            var uncut = full.Trainer.Fit(full.Train, 4, full.Val);

            string path = dir.File("epoch2.safetensors");
            using (var first = new Run(callbacks: new CsvLogger(dir.File("metrics.csv"))))
            {
                first.Trainer.Fit(first.Train, 2, first.Val);
                Checkpoint.Save(path, first.Trainer);
            }

            // Fresh objects; the dropout generator even starts from another seed, so its state must come from the file.
            using var resumed = new Run(dropoutSeed: 555, callbacks: new CsvLogger(dir.File("metrics.csv")));
            var info = Checkpoint.Load(path, resumed.Trainer);
            Assert.Equal(2, info.Epoch);
            Assert.Equal(12, info.GlobalStep);
            Assert.Equal(2, resumed.Trainer.History.Epochs.Count);
            var cut = resumed.Trainer.Fit(resumed.Train, 4, resumed.Val);

            AssertSameCurve(uncut, cut);
            AssertSameWeights(full.Model, resumed.Model);
            Assert.Equal(full.Trainer.GlobalStep, resumed.Trainer.GlobalStep);
            Assert.Equal(full.Trainer.Optimizer.LearningRate, resumed.Trainer.Optimizer.LearningRate);
            Assert.Equal(5, File.ReadAllLines(dir.File("metrics.csv")).Length); // one header, four epochs
            return 0;
        });
    }

    [Fact]
    public void WithoutTheCheckpointTheContinuedRunDiffers()
    {
        // The check above can fail: continuing fresh objects without loading gives another curve.
        WithThreads(2, () =>
        {
            using var full = new Run();
            var uncut = full.Trainer.Fit(full.Train, 4, full.Val);
            using var other = new Run();
            other.Trainer.Fit(other.Train, 2, other.Val);
            using var fresh = new Run(dropoutSeed: 555);
            fresh.Trainer.History = other.Trainer.History;
            fresh.Trainer.Epoch = 2;
            var h = fresh.Trainer.Fit(fresh.Train, 4, fresh.Val);
            Assert.NotEqual(uncut["loss"][3], h["loss"][3]);
            return 0;
        });
    }

    [Fact]
    public void SameSeedAndThreadsGiveTheSameCurveTwice()
    {
        WithThreads(2, () =>
        {
            using var a = new Run();
            using var b = new Run();
            AssertSameCurve(a.Trainer.Fit(a.Train, 3, a.Val), b.Trainer.Fit(b.Train, 3, b.Val));
            AssertSameWeights(a.Model, b.Model);
            return 0;
        });
    }

    [Fact]
    public void ACheckpointOfAnotherModelIsRefusedNamingTheKeys()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        using (var run = new Run())
        {
            run.Trainer.Fit(run.Train, 1);
            Checkpoint.Save(path, run.Trainer);
        }
        var g = new Generator(1);
        var other = new Sequential(new Linear(TrainingSetup.Features, 16, generator: g), new ReLU(), new Linear(16, TrainingSetup.Classes, generator: g));
        var opt = new Adam(other.Parameters(), 0.01);
        var t = new Trainer(other, opt, TrainingSetup.CrossEntropy) { Scheduler = new StepLR(opt, 1) };
        t.RegisterGenerator("dropout", new Generator(2));
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(path, t));
        Assert.Contains("does not fit", e.Message);
        Assert.Contains("'1.running_mean'", e.Message);
        Assert.Contains("'4.weight'", e.Message);

        // Generators registered differently are named too.
        using var run2 = new Run();
        run2.Trainer.RegisterGenerator("augment", new Generator(3));
        Assert.Contains("[dropout, augment]", Assert.Throws<ArgumentException>(() => Checkpoint.Load(path, run2.Trainer)).Message);
        // A loader with another seed would change the data order, so resuming with it is refused.
        using var run3 = new Run();
        Checkpoint.Load(path, run3.Trainer);
        Assert.Equal(7UL, run3.Trainer.DataSeed);
        var (x, y) = TrainingSetup.Data();
        using var reseeded = TrainingSetup.Loader(x, y, seed: 8);
        Assert.Contains("seed: 7", Assert.Throws<InvalidOperationException>(() => run3.Trainer.Fit(reseeded, 2)).Message);
        // A weights-only file is not a training checkpoint.
        run2.Model.Save(dir.File("w.safetensors"));
        Assert.Contains("not a training checkpoint", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(dir.File("w.safetensors"), run2.Trainer)).Message);
    }

    [Fact]
    public void TrainingDoesNotGrowTensorMemoryOverEpochs()
    {
        // Earlier tests' forgotten tensors would otherwise be finalised mid-run and move the count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        using var val = TrainingSetup.Loader(x, y, shuffle: false);
        var model = TrainingSetup.Model(3);
        var atBatchEnd = new List<long>();
        var atEpochEnd = new List<long>();
        var trainer = TrainingSetup.Trainer(model);
        trainer.Callbacks.Add(new LambdaCallback
        {
            BatchEnd = c => { if (c.Epoch >= 1) atBatchEnd.Add(MemoryPool.LiveBytes); },
            EpochEnd = _ => atEpochEnd.Add(MemoryPool.LiveBytes),
        });
        trainer.Callbacks.Add(new NanGuard());
        trainer.Fit(loader, 8, val);
        // After warm-up (the optimizer's state is made in the first epoch) every batch ends with the same
        // tensors alive: a tensor left to the GC would show here before a collection took it back.
        Assert.All(atBatchEnd, b => Assert.True(b == atBatchEnd[0], $"live tensor bytes at batch ends vary: {string.Join(", ", atBatchEnd.Distinct())}"));
        Assert.All(atEpochEnd.Skip(1), b => Assert.True(b == atEpochEnd[1], $"live tensor bytes at epoch ends vary: {string.Join(", ", atEpochEnd)}"));
    }
}
