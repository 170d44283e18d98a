using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Ember.Data;
using Ember.Imaging;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>`ember eval` and `ember predict` on a trained run: what they print agrees with the run and with each other.</summary>
[Collection("Memory")]
public sealed class EvalPredictTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    [Fact]
    public void EvalPrintsTheTestScoresOfTheBestCheckpointAndEveryClass()
    {
        var r = CliRunner.Run("eval", "--run", run.Dir, "--limit", "256", "--threads", "2");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("best.safetensors", r.Out);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Dir, "summary.json")));
        double accuracy = summary.RootElement.GetProperty("test_accuracy").GetDouble();
        double loss = summary.RootElement.GetProperty("test_loss").GetDouble();
        // The same weights on the same 256 test images as the training run's final evaluation.
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"accuracy {accuracy * 100:F2}%"), r.Out);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"loss {loss:F4}"), r.Out);
        foreach (var name in FashionMnist.ClassNames)
        {
            var row = r.Out.Split('\n').Single(l => l.StartsWith(name + " ", StringComparison.Ordinal));
            var numbers = Regex.Matches(row[name.Length..], @"[\d.]+").Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(4, numbers.Length); // precision, recall, F1, support
            Assert.All(numbers[..3], v => Assert.InRange(v, 0, 1));
        }
        var supports = r.Out.Split('\n').Where(l => FashionMnist.ClassNames.Any(n => l.StartsWith(n + " ", StringComparison.Ordinal)))
            .Sum(l => int.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture));
        Assert.Equal(256, supports);
    }

    [Fact]
    public void EvalOfTheLastCheckpointNamesIt()
    {
        var r = CliRunner.Run("eval", "--run", run.Dir, "--checkpoint", "last", "--limit", "64");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("last.safetensors", r.Out);
        Assert.Contains("after epoch 2", r.Out);
    }

    [Fact]
    public void PredictGivesTheSameAnswerForATestImageAndItsPngAtAnySize()
    {
        string dir = run.Scratch("predict");
        var test = FashionMnist.Load(false, CliRunner.BundledData);
        var (image, label) = test.Get(0);
        string small = Path.Combine(dir, "test0.png"), large = Path.Combine(dir, "test0-rgb-56.png"), inverted = Path.Combine(dir, "test0-light.png");
        using (image)
        {
            ImageIO.SavePng(image, small);
            // The same picture as a 56×56 colour image (each pixel doubled), and as dark on light.
            using var doubled = image.Reshape(1, 1, 28, 28).Interpolate([56, 56], mode: "nearest");
            using var rgb = doubled.Reshape(1, 56, 56).Expand(3, 56, 56).Contiguous();
            ImageIO.SavePng(rgb, large);
            using var light = 1f - image;
            ImageIO.SavePng(light, inverted);
        }

        var r = CliRunner.Run("predict", "test:0", small, large, inverted, "--run", run.Dir, "--data", CliRunner.BundledData);
        Assert.True(r.Exit == 0, r.ToString());
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Model:", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Contains($"(true: {FashionMnist.ClassNames[(int)label]})", lines[1]);
        string Answer(string line) => line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..].Split(" (true")[0];
        // Three classes with probabilities, most likely first.
        var probs = Regex.Matches(Answer(lines[1]), @"([\d.]+)%").Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(3, probs.Length);
        Assert.True(probs[0] >= probs[1] && probs[1] >= probs[2]);
        // The PNG holds the same bytes, so the same answer; so do the enlarged colour copy and the inverted one.
        Assert.Equal(Answer(lines[1]), Answer(lines[2]));
        Assert.Equal(Answer(lines[1]), Answer(lines[3]));
        Assert.Equal(Answer(lines[1]), Answer(lines[4]));
    }

    [Fact]
    public void SummaryPrintsTheLayerTable()
    {
        var r = CliRunner.Run("summary", "--model", "resnet", "--batch-size", "2");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("[2, 1, 28, 28]", r.Out);
        Assert.Contains("layer3", r.Out);
        Assert.Contains("Parameters:", r.Out);
    }
}
