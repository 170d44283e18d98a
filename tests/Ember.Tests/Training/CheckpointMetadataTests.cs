using Ember.Cli.Models;
using Ember.NN;
using Ember.Optim;
using Ember.Serialization;
using Ember.Tests.Cli;
using Ember.Training;
using Xunit;

namespace Ember.Tests.Training;

/// <summary>
/// What checkpoints say about their model in the safetensors header (name, architecture, Ember version, time,
/// epoch and step, best value, dtype), and the one-line refusal of `ember eval`, `predict` and `train --resume`
/// when a run's checkpoint holds another model than its config names.
/// </summary>
[Collection("Memory")]
public sealed class CheckpointMetadataTests
{
    [Fact]
    public void ACheckpointDescribesItsModelInTheHeader()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        var (x, y) = TrainingSetup.Data();
        using var loader = TrainingSetup.Loader(x, y);
        var model = TrainingSetup.Model(3);
        var trainer = TrainingSetup.Trainer(model);
        trainer.Callbacks.Add(new ModelCheckpoint(dir.Path, "val_accuracy", "max"));
        var before = DateTimeOffset.UtcNow;
        trainer.Fit(loader, 2, loader);
        Checkpoint.Save(path, trainer);
        var after = DateTimeOffset.UtcNow;

        var meta = CheckpointMetadata.Read(path);

        Assert.Equal("Sequential", meta.Model);
        Assert.Equal(model.ToString(), meta.Architecture);
        Assert.Equal(CheckpointMetadata.CurrentEmberVersion, meta.EmberVersion);
        Assert.False(string.IsNullOrWhiteSpace(meta.EmberVersion));
        Assert.InRange(meta.Created!.Value, before.AddSeconds(-1), after.AddSeconds(1));
        Assert.Equal(TimeSpan.Zero, meta.Created.Value.Offset);
        Assert.Equal(2, meta.Epoch);
        Assert.Equal(trainer.GlobalStep, meta.GlobalStep);
        Assert.Equal(trainer.History["val_accuracy"].Max(), meta.BestMetric);
        Assert.Equal("float32", meta.DType);
        // The callback's checkpoints carry the same entries.
        Assert.Equal("Sequential", CheckpointMetadata.Read(Path.Combine(dir.Path, "best.safetensors")).Model);
    }

    [Fact]
    public void AGivenNameAndAFloat64ModelAreRecorded()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        var model = new Sequential(new Linear(3, 2)).Double();
        CheckpointMetadata.SetModelName(model, "probe");
        var trainer = new Trainer(model, new SGD(model.Parameters(), 0.1), TrainingSetup.CrossEntropy);
        Checkpoint.Save(path, trainer);

        var meta = CheckpointMetadata.Read(path);
        Assert.Equal("probe", meta.Model);
        Assert.Equal("float64", meta.DType);
        Assert.Equal(0, meta.Epoch);
        Assert.True(double.IsNaN(meta.BestMetric!.Value)); // nothing monitored
        // The same entries, straight from the header, for tools that read safetensors metadata themselves.
        var raw = Safetensors.ReadMetadata(path);
        Assert.Equal("probe", raw["model"]);
        Assert.Equal(CheckpointMetadata.CurrentEmberVersion, raw["ember_version"]);
    }

    [Fact]
    public void AWeightsOnlyFileHasNoEntriesAndABadEntryIsNamed()
    {
        using var dir = new TempDir();
        string weights = dir.File("w.safetensors");
        new Sequential(new Linear(3, 2)).Save(weights);
        var meta = CheckpointMetadata.Read(weights);
        Assert.Null(meta.Model);
        Assert.Null(meta.Created);
        Assert.Null(meta.Epoch);

        string bad = dir.File("bad.safetensors");
        using (var t = Tensor.Zeros(2))
            Safetensors.Save(bad, new Dictionary<string, Tensor> { ["w"] = t }, new Dictionary<string, string> { ["epoch"] = "three" });
        var e = Assert.Throws<InvalidDataException>(() => CheckpointMetadata.Read(bad));
        Assert.Contains(bad, e.Message);
        Assert.Contains("'epoch'", e.Message);
        Assert.Contains("three", e.Message);
    }

    [Fact]
    public void LoadingACheckpointIntoAnotherModelNamesBoth()
    {
        using var dir = new TempDir();
        string path = dir.File("c.safetensors");
        var big = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        CheckpointMetadata.SetModelName(big, "big");
        Checkpoint.Save(path, new Trainer(big, new SGD(big.Parameters(), 0.1), TrainingSetup.CrossEntropy));

        var small = new Sequential(new Linear(3, 2));
        CheckpointMetadata.SetModelName(small, "small");
        var e = Assert.Throws<ArgumentException>(() => Checkpoint.Load(path, new Trainer(small, new SGD(small.Parameters(), 0.1), TrainingSetup.CrossEntropy)));
        Assert.Contains($"'{path}' holds a 'big' model", e.Message);
        Assert.Contains("this 'small' model", e.Message);
    }

    // ---- the tool ----

    /// <summary>A one-epoch MLP run, its checkpoints then replaced by <paramref name="replace"/>'s file.</summary>
    static string RunWithForeignCheckpoints(CliTempDir temp, Action<string> replace)
    {
        string dir = temp.File("mlp");
        var r = CliRunner.Run(CliRunner.QuickTrain(dir, ["--quiet"], epochs: 1));
        Assert.True(r.Exit == 0, r.ToString());
        string foreign = temp.File("foreign.safetensors");
        replace(foreign);
        foreach (var name in new[] { "best.safetensors", "last.safetensors" }) File.Copy(foreign, Path.Combine(dir, name), overwrite: true);
        return dir;
    }

    /// <summary>A training checkpoint of the tool's cnn, written as `ember train` writes it.</summary>
    static void CnnCheckpoint(string path)
    {
        var spec = ModelZoo.Get("cnn");
        var model = spec.Create(new Generator(0), new Generator(1));
        CheckpointMetadata.SetModelName(model, spec.Name);
        Checkpoint.Save(path, new Trainer(model, new Adam(model.Parameters(), 1e-3), TrainingSetup.CrossEntropy));
    }

    [Fact]
    public void EvalPredictAndResumeNameTheCheckpointItsModelAndTheRunsModel()
    {
        using var temp = new CliTempDir();
        string dir = RunWithForeignCheckpoints(temp, CnnCheckpoint);
        string best = Path.Combine(dir, "best.safetensors"), last = Path.Combine(dir, "last.safetensors");
        Assert.Equal("cnn", CheckpointMetadata.Read(best).Model);

        var eval = CliRunner.Run("eval", "--run", dir, "--limit", "64");
        CliRunner.AssertOneLineError(eval, best, "'cnn' model (per its metadata)", "'mlp'");

        string png = temp.File("image.png");
        using (var image = Tensor.Zeros(1, 28, 28)) Ember.Imaging.ImageIO.SavePng(image, png);
        var predict = CliRunner.Run("predict", "--run", dir, png);
        CliRunner.AssertOneLineError(predict, best, "'cnn'", "'mlp'");

        var resume = CliRunner.Run(["train", "--resume", "--out", dir, "--data", CliRunner.BundledData, "--quiet"]);
        CliRunner.AssertOneLineError(resume, last, "'cnn'", "'mlp'");
    }

    [Fact]
    public void AWeightsOnlyFileOfAnotherModelIsToldByItsTensors()
    {
        using var temp = new CliTempDir();
        string dir = RunWithForeignCheckpoints(temp, path => new SmallResNet(new Generator(0)).Save(path));
        var eval = CliRunner.Run("eval", "--run", dir, "--checkpoint", "last", "--limit", "64");
        CliRunner.AssertOneLineError(eval, Path.Combine(dir, "last.safetensors"), "'resnet'", "'mlp'");
        Assert.DoesNotContain("metadata", eval.Err);
    }
}
