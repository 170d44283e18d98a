using Ember.Cli.Runs;
using Ember.Onnx;
using Xunit;

namespace Ember.Tests.Cli;

public sealed class OnnxExportCommandTests(TrainedRun run) : IClassFixture<TrainedRun>
{
    [Fact]
    public void TheExportedRunTakesRawPixelsAndGivesTheRunsLogits()
    {
        string path = Path.Combine(run.Scratch("export"), "fashion.onnx");
        var r = CliRunner.Run("onnx", "export", "--run", run.Dir, "--output", path, "--opset", "13");
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("fashion.onnx", r.Out);

        using var model = OnnxModel.Load(path);
        Assert.Equal(["image"], model.InputNames);
        Assert.Equal(["logits"], model.OutputNames);
        using var pixels = Tensor.Rand([3, 1, 28, 28], new Generator(4));
        var outputs = model.Run(new Dictionary<string, Tensor> { ["image"] = pixels });
        using var logits = outputs["logits"];

        var loaded = LoadedRun.Open(run.Dir, "best");
        using var normalised = (pixels - FashionData.Mean) / FashionData.Std;
        using var expected = loaded.Model.Forward(normalised);
        Assert.Equal(expected.Shape, logits.Shape);
        var e = expected.ToArray<float>();
        var a = logits.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.Equal(e[i], a[i], 1e-4);

        var info = CliRunner.Run("onnx", "info", path);
        Assert.True(info.Exit == 0, info.ToString());
        Assert.Contains("image", info.Out);
        Assert.Contains("ai.onnx 13", info.Out);
    }

    [Fact]
    public void ExportWithoutARunIsOneLine()
        => CliRunner.AssertOneLineError(CliRunner.Run("onnx", "export", "--run", Path.Combine(run.Scratch("none"), "missing")), "missing");
}
