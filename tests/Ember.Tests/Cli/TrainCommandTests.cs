using System.Text.Json;
using Ember.Cli.Models;
using Ember.Cli.Runs;
using Ember.Imaging;
using Ember.Serialization;
using Ember.Training;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>
/// `ember train` in-process on a tiny budget: every artifact of a run exists and is valid, and a run stopped
/// (as by Ctrl+C) and resumed ends with the same weights, bit for bit, as one that was never stopped.
/// The thread count is process-wide, so these run alone (the Memory collection).
/// </summary>
[Collection("Memory")]
public sealed class TrainCommandTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    [Fact]
    public void ARunWritesCheckpointsMetricsEventsPlotsAndSummary()
    {
        string dir = run.Dir;
        Assert.Contains("Test accuracy", run.Result.Out);

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var s = summary.RootElement;
        Assert.Equal("mlp", s.GetProperty("model").GetString());
        Assert.Equal(235_146, s.GetProperty("parameters").GetInt64());
        Assert.Equal("subset", s.GetProperty("data_source").GetString());
        Assert.Equal(2, s.GetProperty("epochs").GetInt32());
        Assert.Equal(2, s.GetProperty("threads").GetInt32());
        Assert.Equal(0UL, s.GetProperty("seed").GetUInt64());
        Assert.Equal(256, s.GetProperty("train_samples").GetInt32());
        Assert.Equal(256, s.GetProperty("test_samples").GetInt32());
        double accuracy = s.GetProperty("test_accuracy").GetDouble();
        Assert.InRange(accuracy, 0.3, 1.0); // far above chance (0.1) after two epochs
        Assert.InRange(s.GetProperty("test_loss").GetDouble(), 0.01, 2.3);
        Assert.True(s.GetProperty("seconds_per_epoch").GetDouble() > 0);
        Assert.True(s.GetProperty("samples_per_second").GetDouble() > 0);
        Assert.Equal(FashionMnistClasses, s.GetProperty("per_class").EnumerateObject().Select(p => p.Name));
        Assert.Contains($"{accuracy * 100:F2}%", run.Result.Out);

        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(3, csv.Length); // header and two epochs
        Assert.StartsWith("epoch,loss,accuracy,val_loss,val_accuracy,lr", csv[0]);
        Assert.StartsWith("0,", csv[1]);
        Assert.StartsWith("1,", csv[2]);

        var last = Checkpoint.ReadInfo(Path.Combine(dir, "last.safetensors"));
        Assert.Equal(2, last.Epoch);
        Assert.Equal(8, last.GlobalStep); // 256 images in batches of 64, twice
        var best = Checkpoint.ReadInfo(Path.Combine(dir, "best.safetensors"));
        Assert.InRange(best.Epoch, 1, 2);
        var model = ModelZoo.Get("mlp").Create(new Generator(1), new Generator(1));
        RunWeights.Load(model, Path.Combine(dir, "last.safetensors"), ModelZoo.Get("mlp"), "config.json");
        using (var saved = Safetensors.Load(Path.Combine(dir, "last.safetensors")).GetValueOrDefault("model.1.weight"))
            Assert.Equal(saved!.ToArray<float>(), model.StateDict()["1.weight"].ToArray<float>());

        var events = Directory.GetFiles(dir, "events.out.tfevents.*");
        Assert.Single(events);
        Assert.True(new FileInfo(events[0]).Length > 100);

        AssertPng(Path.Combine(dir, "curves.png"), 1200, 480);
        AssertPng(Path.Combine(dir, "confusion_matrix.png"), 700, 600);
        AssertPng(Path.Combine(dir, "predictions.png"), 900, 900);
    }

    static readonly string[] FashionMnistClasses = [.. Ember.Data.FashionMnist.ClassNames];

    static void AssertPng(string path, int width, int height)
    {
        using var image = ImageIO.LoadImage(path);
        Assert.Equal(height, image.Shape[1]);
        Assert.Equal(width, image.Shape[2]);
    }

    /// <summary>The model tensors of a checkpoint, as raw floats by name.</summary>
    static Dictionary<string, float[]> Weights(string path)
    {
        var all = Safetensors.Load(path);
        try
        {
            return all.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal) && kv.Value.DType == DType.Float32)
                .ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());
        }
        finally { foreach (var t in all.Values) t.Dispose(); }
    }

    static void AssertBitIdentical(Dictionary<string, float[]> expected, Dictionary<string, float[]> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (k, v) in expected)
            Assert.True(v.Select(BitConverter.SingleToInt32Bits).SequenceEqual(actual[k].Select(BitConverter.SingleToInt32Bits)), $"'{k}' differs");
    }

    // Four steps per epoch: step 4 ends epoch 1 (resume after one epoch, then one more); step 6 is mid-epoch 2.
    [Theory]
    [InlineData("mlp", 4)]
    [InlineData("mlp", 6)]
    [InlineData("cnn", 3)]
    public void AStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedOne(string model, int stopAfter)
    {
        string[] Args(string dir, params string[] extra)
            => ["train", "--model", model, "--epochs", "2", "--limit", model == "cnn" ? "128" : "256", "--batch-size", model == "cnn" ? "32" : "64",
                "--threads", "2", "--data", CliRunner.BundledData, "--out", dir, "--quiet", .. extra];
        using var temp = new CliTempDir();
        string whole = temp.File("whole"), cut = temp.File("cut");
        var uncut = CliRunner.Run(Args(whole));
        Assert.True(uncut.Exit == 0, uncut.ToString());

        var stopped = CliRunner.Run(Args(cut, "--stop-after-steps", stopAfter.ToString(), "--workers", "0"));
        Assert.True(stopped.Exit == 130, stopped.ToString());
        Assert.Contains("--resume", stopped.Out);
        Assert.False(File.Exists(Path.Combine(cut, "summary.json")));
        var atStop = Weights(Path.Combine(cut, "last.safetensors"));
        Assert.Equal(stopAfter, Checkpoint.ReadInfo(Path.Combine(cut, "last.safetensors")).GlobalStep);
        // The check below can fail: the state at the stop is not the final one.
        Assert.NotEqual(Weights(Path.Combine(whole, "last.safetensors"))[model == "cnn" ? "model.0.weight" : "model.1.weight"], atStop[model == "cnn" ? "model.0.weight" : "model.1.weight"]);

        var resumed = CliRunner.Run("train", "--resume", "--out", cut, "--quiet", "--workers", "3");
        Assert.True(resumed.Exit == 0, resumed.ToString());
        AssertBitIdentical(Weights(Path.Combine(whole, "last.safetensors")), Weights(Path.Combine(cut, "last.safetensors")));
        Assert.Equal(3, File.ReadAllLines(Path.Combine(cut, "metrics.csv")).Length);
        using var a = JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "summary.json")));
        using var b = JsonDocument.Parse(File.ReadAllText(Path.Combine(cut, "summary.json")));
        Assert.Equal(a.RootElement.GetProperty("test_accuracy").GetDouble(), b.RootElement.GetProperty("test_accuracy").GetDouble());
    }

    [Fact]
    public void ANewRunRefusesAFolderThatHoldsOneAndForceStartsOver()
    {
        string dir = run.Scratch("force");
        foreach (var f in Directory.GetFiles(run.Dir)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var before = CliRunner.Snapshot(dir);
        var refused = CliRunner.Run(CliRunner.QuickTrain(dir, ["--quiet"]));
        CliRunner.AssertOneLineError(refused, "--resume", "--force");
        Assert.Equal(before, CliRunner.Snapshot(dir));

        var again = CliRunner.Run(CliRunner.QuickTrain(dir, ["--quiet", "--force"], epochs: 1));
        Assert.True(again.Exit == 0, again.ToString());
        Assert.Equal(2, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length); // a fresh file, one epoch
        Assert.Single(Directory.GetFiles(dir, "events.out.tfevents.*"));
    }

    [Fact]
    public void EveryVerbAnswersHelp()
    {
        foreach (var verb in new[] { "train", "eval", "predict", "summary" })
        {
            var r = CliRunner.Run(verb, "--help");
            Assert.True(r.Exit == 0, r.ToString());
            Assert.Contains("Usage:", r.Out);
            Assert.Equal("", r.Err);
        }
        var overview = CliRunner.Run();
        Assert.True(overview.Exit == 0, overview.ToString());
        foreach (var verb in new[] { "train", "eval", "predict", "summary" }) Assert.Contains(verb, overview.Out);
        Assert.Contains("--limit", CliRunner.Run("train", "--help").Out);
        Assert.DoesNotContain("--stop-after-steps", CliRunner.Run("train", "--help").Out);
    }
}
