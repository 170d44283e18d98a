using Ember;
using Ember.NN;
using Ember.Optim;
using Ember.Training;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Training;

public class TrainerTests
{
    [Fact]
    public void FitLearnsAndRecordsEveryEpoch()
    {
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        using var valLoader = TrainingSetup.Loader(x, y, shuffle: false);
        var model = TrainingSetup.Model(1);
        var trainer = TrainingSetup.Trainer(model, lr: 0.03);
        var history = trainer.Fit(loader, epochs: 6, validation: valLoader);

        Assert.Equal(6, history.Epochs.Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], history.Epochs.Select(e => e.Epoch));
        Assert.Equal(["loss", "accuracy", "val_loss", "val_accuracy", "lr", "epoch_time", "samples_per_second"], history.Keys);
        var loss = history["loss"];
        Assert.True(loss[^1] < loss[0] * 0.8, $"the loss went from {loss[0]} to {loss[^1]}");
        Assert.True(history["val_accuracy"][^1] > 0.6, $"validation accuracy {history["val_accuracy"][^1]}");
        Assert.All(history["lr"], lr => Assert.Equal(0.03, lr));
        Assert.All(history["samples_per_second"], s => Assert.True(s > 0));
        Assert.Equal(6, trainer.Epoch);
        Assert.Equal(6 * 6, trainer.GlobalStep); // 96 samples in batches of 16
        Assert.True(model.Training);

        // Evaluate gives the same numbers as the validation pass of the last epoch (nothing changed since).
        var eval = trainer.Evaluate(valLoader);
        Assert.Equal(history["val_loss"][^1], eval["loss"], 12);
        Assert.Equal(history["val_accuracy"][^1], eval["accuracy"], 12);

        // Fit again with the same limit does nothing; a higher one continues.
        trainer.Fit(loader, epochs: 6);
        Assert.Equal(6, history.Epochs.Count);
        trainer.Fit(loader, epochs: 7);
        Assert.Equal(7, trainer.History.Epochs.Count);
    }

    [Fact]
    public void PredictRunsInEvalModeAndConcatenatesBatches()
    {
        var (x, y) = TrainingSetup.Data();
        var model = TrainingSetup.Model(2, p: 0.5);
        var trainer = TrainingSetup.Trainer(model);
        using var all = trainer.Predict(x);
        using var sliced = trainer.Predict(x, batchSize: 10);
        using var loader = TrainingSetup.Loader(x, y, batchSize: 32, shuffle: false);
        using var fromLoader = trainer.Predict(loader);
        Assert.Equal([TrainingSetup.Samples, TrainingSetup.Classes], all.Shape);
        // Slices may be multiplied in another blocking, so equal up to rounding.
        Assert.Equal(all.ToArray<float>(), sliced.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.Equal(all.ToArray<float>(), fromLoader.ToArray<float>(), (a, b) => Math.Abs(a - b) < 1e-5f);
        Assert.False(all.RequiresGrad);
        Assert.True(model.Training); // the mode is put back
    }

    [Fact]
    public void GradientAccumulationMatchesOneBigBatch()
    {
        var (x, y) = TrainingSetup.Data(samples: 32);
        // Without BatchNorm and dropout the micro-batches are independent, so the sums agree.
        Sequential Net() { var g = new Generator(5); return new Sequential(new Linear(8, 16, generator: g), new Tanh(), new Linear(16, 3, generator: g)); }
        var big = Net();
        var small = Net();
        using var bigLoader = TrainingSetup.Loader(x, y, batchSize: 32, shuffle: false);
        using var smallLoader = TrainingSetup.Loader(x, y, batchSize: 8, shuffle: false);
        var t1 = new Trainer(big, new SGD(big.Parameters(), 0.5), TrainingSetup.CrossEntropy) { Progress = ProgressMode.Quiet };
        var t2 = new Trainer(small, new SGD(small.Parameters(), 0.5), TrainingSetup.CrossEntropy) { Progress = ProgressMode.Quiet, AccumulationSteps = 4 };
        var h1 = t1.Fit(bigLoader, 3);
        var h2 = t2.Fit(smallLoader, 3);
        Assert.Equal(3, t1.GlobalStep);
        Assert.Equal(3, t2.GlobalStep);
        Assert.Equal(h1["loss"], h2["loss"], (a, b) => Math.Abs(a - b) < 1e-5);
        var w1 = TrainingSetup.Weights(big);
        var w2 = TrainingSetup.Weights(small);
        for (int i = 0; i < w1.Length; i++)
            Assert.Equal(w1[i], w2[i], (a, b) => Math.Abs(a - b) < 1e-5f);
        // A different number of micro-batches per step gives different weights, so the check can fail.
        var other = Net();
        using var otherLoader = TrainingSetup.Loader(x, y, batchSize: 8, shuffle: false);
        new Trainer(other, new SGD(other.Parameters(), 0.5), TrainingSetup.CrossEntropy) { Progress = ProgressMode.Quiet, AccumulationSteps = 2 }.Fit(otherLoader, 3);
        Assert.NotEqual(w1[0], TrainingSetup.Weights(other)[0]);
    }

    [Fact]
    public void AShortTailOfMicroBatchesStillSteps()
    {
        var (x, y) = TrainingSetup.Data(samples: 40);
        var model = TrainingSetup.Model(3);
        using var loader = TrainingSetup.Loader(x, y, batchSize: 8); // 5 batches
        var trainer = TrainingSetup.Trainer(model, accumulation: 2);
        trainer.Fit(loader, 2);
        Assert.Equal(2 * 3, trainer.GlobalStep);
    }

    [Fact]
    public void ClippingBoundsEveryUpdate()
    {
        var (x, y) = TrainingSetup.Data();
        foreach (var (norm, value) in new (double?, double?)[] { (1e-3, null), (null, 1e-4), (null, null) })
        {
            var g = new Generator(9);
            var model = new Sequential(new Linear(8, 3, generator: g));
            using var loader = TrainingSetup.Loader(x, y, batchSize: 96);
            var before = TrainingSetup.Weights(model);
            var trainer = new Trainer(model, new SGD(model.Parameters(), 1.0), (o, t) => F.CrossEntropy(o, t) * 100f)
            { Progress = ProgressMode.Quiet, ClipGradNorm = norm, ClipGradValue = value };
            trainer.Fit(loader, 1);
            var after = TrainingSetup.Weights(model);
            var delta = before.Zip(after, (b, a) => b.Zip(a, (u, v) => (double)v - u).ToArray()).ToArray();
            double l2 = Math.Sqrt(delta.Sum(d => d.Sum(v => v * v)));
            double max = delta.Max(d => d.Max(Math.Abs));
            if (norm is { } n) Assert.True(l2 <= n * 1.0001, $"update norm {l2} exceeds {n}");
            else if (value is { } v) Assert.True(max <= v * 1.0001, $"largest update {max} exceeds {v}");
            else Assert.True(l2 > 1e-2, $"without clipping the update is large ({l2})"); // so the bounds above mean something
        }
    }

    [Fact]
    public void ALossThatIsNotOneNumberIsRefused()
    {
        var (x, y) = TrainingSetup.Data();
        var model = TrainingSetup.Model(4);
        using var loader = TrainingSetup.Loader(x, y);
        var trainer = new Trainer(model, new SGD(model.Parameters(), 0.1), (o, t) => F.CrossEntropy(o, t, Reduction.None)) { Progress = ProgressMode.Quiet };
        var e = Assert.Throws<ArgumentException>(() => trainer.Fit(loader, 1));
        Assert.Contains("shape [16]", e.Message);
        Assert.Contains("one number", e.Message);
    }

    [Fact]
    public void FitExtensionTrainsWithoutATrainerInSight()
    {
        var (x, y) = TrainingSetup.Data();
        var model = TrainingSetup.Model(5);
        using var loader = TrainingSetup.Loader(x, y);
        var h = model.Fit(loader, 2, new Adam(model.Parameters(), 0.01), TrainingSetup.CrossEntropy,
            metrics: [new Accuracy(), new F1Score(3)], progress: ProgressMode.Quiet);
        Assert.Equal(2, h.Epochs.Count);
        Assert.Contains("f1", h.Keys);
    }
}
