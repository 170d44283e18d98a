using System.Text.Json;
using Ember.Cli.Sequence;
using Ember.NN;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>
/// `ember rnn forecast` and `ember rnn classify` on short runs: the run folder, and the trained networks beating
/// their naive baselines. The thread count is process-wide, so these run alone (the Memory collection).
/// </summary>
[Collection("Memory")]
public sealed class RnnCommandTests
{
    [Fact]
    public void AShortForecastRunBeatsTheNaiveBaselines()
    {
        using var temp = new CliTempDir();
        string dir = temp.File("forecast");
        var r = CliRunner.Run("rnn", "forecast", "--epochs", "5", "--length", "1500", "--hidden", "24", "--lr", "0.006", "--threads", "1", "--out", dir, "--quiet");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Test MSE", r.Out);
        foreach (var f in new[] { "config.json", "model.safetensors", "metrics.csv", "summary.json" }) Assert.True(File.Exists(Path.Combine(dir, f)), f);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(dir, "metrics.csv")).Length); // header and five epochs

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var s = summary.RootElement;
        double mse = s.GetProperty("test_mse").GetDouble(), mae = s.GetProperty("test_mae").GetDouble();
        var baselines = s.GetProperty("baselines");
        double last = baselines.GetProperty("last_value").GetProperty("mse").GetDouble();
        double seasonal = baselines.GetProperty("seasonal_naive").GetProperty("mse").GetDouble();
        Assert.True(mse < 0.6 * last, $"test MSE {mse} against last value {last}");
        Assert.True(mse < 0.6 * seasonal, $"test MSE {mse} against seasonal naive {seasonal}");
        Assert.True(mae < baselines.GetProperty("last_value").GetProperty("mae").GetDouble());
        // Nothing forecasts the noise: the error cannot fall below its variance (give or take the luck of 300 windows).
        Assert.True(mse > 0.5 * s.GetProperty("noise_variance").GetDouble(), $"test MSE {mse}");
    }

    [Fact]
    public void AShortClassifyRunBeatsChanceAndTheMajorityClass()
    {
        using var temp = new CliTempDir();
        string dir = temp.File("classify");
        var r = CliRunner.Run("rnn", "classify", "--epochs", "6", "--samples", "1600", "--hidden", "32", "--lr", "0.01", "--cell", "gru", "--threads", "1", "--out", dir, "--quiet");
        Assert.True(r.Exit == 0, r.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var s = summary.RootElement;
        double accuracy = s.GetProperty("test_accuracy").GetDouble();
        double majority = s.GetProperty("baselines").GetProperty("majority").GetDouble();
        Assert.Equal(0.25, s.GetProperty("baselines").GetProperty("chance").GetDouble());
        Assert.Equal("gru", s.GetProperty("cell").GetString());
        Assert.True(accuracy > majority + 0.25, $"accuracy {accuracy} against the majority class's {majority}");
        Assert.True(File.Exists(Path.Combine(dir, "model.safetensors")));
    }

    [Fact]
    public void TheExamplesModelsHaveTheGradientsOfFiniteDifferences()
    {
        var g = new Generator(11);
        using var x = Tensor.Randn([3, 5, 1], g).To(DType.Float64);
        x.RequiresGrad = true;
        var forecaster = new LstmForecaster(4, 1, new Generator(1)).Double();
        Assert.True(Autograd.GradCheck(t => forecaster.Forward(t[0]), [x]));
        foreach (var cell in new[] { "lstm", "gru" })
        {
            // Sequences of 5, 2 and 4 steps: the padding must get no gradient and change nothing.
            var classifier = new RecurrentClassifier(cell, 4, 3, new Generator(2)).Double();
            Assert.True(Autograd.GradCheck(t => classifier.Forward(t[0], [5, 2, 4]), [x]), cell);
            using var logits = classifier.Forward(x, [5, 2, 4]);
            var values = x.ToArray<double>();
            values[1 * 5 + 4] = 100; // step 4 of the second sequence, past its length of 2
            using var changed = Tensor.FromArray(values, 3, 5, 1);
            using var same = classifier.Forward(changed, [5, 2, 4]);
            Assert.Equal(logits.ToArray<double>(), same.ToArray<double>());
        }
    }

    [Fact]
    public void BadInputEndsInOneLineOnStderr()
    {
        using var temp = new CliTempDir();
        CliRunner.AssertOneLineError(CliRunner.Run("rnn", "forecast", "--window", "4", "--out", temp.File("a")), "--window");
        CliRunner.AssertOneLineError(CliRunner.Run("rnn", "forecast", "--length", "100", "--out", temp.File("b")), "--length");
        CliRunner.AssertOneLineError(CliRunner.Run("rnn", "classify", "--samples", "2", "--out", temp.File("c")), "--samples");
        CliRunner.AssertOneLineError(CliRunner.Run("rnn", "classify", "--cell", "tcn"), "tcn");
        // A folder holding the other example's run is left alone.
        string dir = temp.File("forecast");
        Assert.Equal(0, CliRunner.Run("rnn", "forecast", "--epochs", "1", "--length", "600", "--hidden", "4", "--threads", "1", "--out", dir, "--quiet").Exit);
        CliRunner.AssertOneLineError(CliRunner.Run("rnn", "classify", "--epochs", "1", "--out", dir), "another kind of run");
    }
}
