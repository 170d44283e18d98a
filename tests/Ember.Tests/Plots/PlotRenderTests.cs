using Ember.Imaging;
using Ember.Plots;
using Ember.Tests.TensorBoard;
using SkiaSharp;
using Xunit;

namespace Ember.Tests.Plots;

public class PlotRenderTests
{
    /// <summary>Decodes a PNG file and checks its size and that it is not a blank canvas; returns its pixels.</summary>
    static SKColor[] CheckPng(string path, int width, int height)
    {
        Assert.True(File.Exists(path), $"no file at {path}");
        using var bitmap = SKBitmap.Decode(path);
        Assert.NotNull(bitmap);
        Assert.Equal((width, height), (bitmap.Width, bitmap.Height));
        var pixels = bitmap.Pixels;
        int distinct = pixels.Distinct().Count();
        Assert.True(distinct > 20, $"{Path.GetFileName(path)} has only {distinct} distinct colours");
        // Keep a copy to look at when EMBER_PLOT_OUT names a folder.
        if (Environment.GetEnvironmentVariable("EMBER_PLOT_OUT") is { Length: > 0 } keep)
        {
            Directory.CreateDirectory(keep);
            File.Copy(path, Path.Combine(keep, Path.GetFileName(path)), overwrite: true);
        }
        return pixels;
    }

    static int CountNear(SKColor[] pixels, SKColor colour, int tolerance = 40)
        => pixels.Count(p => Math.Abs(p.Red - colour.Red) + Math.Abs(p.Green - colour.Green) + Math.Abs(p.Blue - colour.Blue) <= tolerance);

    [Fact]
    public void TrainingCurvesAreWrittenAtTheRequestedSize()
    {
        using var dir = new TempFolder();
        var history = PlotSamples.History();
        TrainingPlots.SaveCurves(history, dir.File("loss.png"), 800, 500, "Loss", "Cross-entropy",
            series: ["train loss", "validation loss"]);
        TrainingPlots.SaveCurves(history, dir.File("accuracy.png"), 640, 400, "Accuracy", "Accuracy",
            series: ["train accuracy", "validation accuracy"]);
        TrainingPlots.SaveCurves(history, dir.File("all.png"), 1000, 600);
        CheckPng(dir.File("loss.png"), 800, 500);
        CheckPng(dir.File("accuracy.png"), 640, 400);
        CheckPng(dir.File("all.png"), 1000, 600);

        TrainingPlots.SaveLossAndMetrics(history, dir.File("report.png"), 1200, 450, "Accuracy");
        CheckPng(dir.File("report.png"), 1200, 450);
        var lossOnly = new CurveHistory().Add("train loss", [2.0, 1.5, 1.2, 1.1]).Add("val loss", [2.1, 1.7, 1.5, 1.45]);
        TrainingPlots.SaveLossAndMetrics(lossOnly, dir.File("loss_only.png"), 500, 300);
        CheckPng(dir.File("loss_only.png"), 500, 300);
    }

    [Fact]
    public void CurvesRefuseUnknownSeriesAndEmptyHistories()
    {
        var history = PlotSamples.History();
        Assert.Contains("'train loss'", Assert.Throws<KeyNotFoundException>(() => TrainingPlots.RenderCurves(history, series: ["nope"])).Message);
        Assert.Contains("no series", Assert.Throws<ArgumentException>(() => TrainingPlots.RenderCurves(new CurveHistory())).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPlots.RenderCurves(history, 0, 100));
    }

    [Fact]
    public void ConfusionMatrixIsWrittenAtTheRequestedSize()
    {
        using var dir = new TempFolder();
        ConfusionMatrixPlot.Save(PlotSamples.Confusion(), PlotSamples.Classes, dir.File("confusion.png"), 760, 640);
        ConfusionMatrixPlot.Save(PlotSamples.Confusion(3), null, dir.File("confusion3.png"), 400, 400, normalize: true);
        CheckPng(dir.File("confusion.png"), 760, 640);
        CheckPng(dir.File("confusion3.png"), 400, 400);
    }

    [Fact]
    public void ConfusionMatrixCountsMatchADirectCount()
    {
        var rng = new Random(5);
        long[] targets = Enumerable.Range(0, 500).Select(_ => (long)rng.Next(4)).ToArray();
        long[] predicted = targets.Select(t => rng.Next(3) == 0 ? (long)rng.Next(4) : t).ToArray();
        var counts = ConfusionMatrixPlot.Compute(predicted, targets, 4);
        for (int t = 0; t < 4; t++)
            for (int p = 0; p < 4; p++)
                Assert.Equal(Enumerable.Range(0, 500).Count(i => targets[i] == t && predicted[i] == p), counts[t, p]);

        Assert.Contains("[0, 4)", Assert.Throws<ArgumentOutOfRangeException>(() => ConfusionMatrixPlot.Compute([4], [0], 4)).Message);
        Assert.Contains("2 predictions do not match 1 targets", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Compute([0, 1], [0], 4)).Message);
        Assert.Contains("3 class names", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Render(new long[2, 2], ["a", "b", "c"])).Message);
        Assert.Contains("[2, 3]", Assert.Throws<ArgumentException>(() => ConfusionMatrixPlot.Render(new long[2, 3], null)).Message);
    }

    [Fact]
    public void ImageGridMarksWrongPredictionsInRed()
    {
        using var dir = new TempFolder();
        using var gray = Tensor.Rand([12, 1, 28, 28], new Generator(21));
        long[] targets = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1];
        long[] wrong = [0, 1, 2, 5, 4, 5, 6, 7, 1, 9, 0, 1];
        ImageGridPlot.Save(gray, wrong, targets, PlotSamples.Classes, dir.File("grid.png"), 600, 700);
        ImageGridPlot.Save(gray, targets, targets, PlotSamples.Classes, dir.File("grid_right.png"), 600, 700);
        var withMistakes = CheckPng(dir.File("grid.png"), 600, 700);
        var allRight = CheckPng(dir.File("grid_right.png"), 600, 700);
        // The grayscale images hold no red; only the marks of the two mistakes do.
        var red = new SKColor(0xd6, 0x27, 0x28);
        Assert.True(CountNear(withMistakes, red) > 100, "the wrong predictions are not marked in red");
        Assert.Equal(0, CountNear(allRight, red));

        using var rgb = Tensor.Rand([5, 3, 16, 24], new Generator(22));
        ImageGridPlot.Save(rgb, [1, 2, 3, 4, 5], [1, 2, 0, 4, 5], null, dir.File("grid_rgb.png"), 500, 300, columns: 5, title: "CIFAR");
        CheckPng(dir.File("grid_rgb.png"), 500, 300);
    }

    [Fact]
    public void ImageGridRefusesMismatchedLabels()
    {
        using var images = Tensor.Zeros(3, 1, 4, 4);
        Assert.Contains("3 images with 2 predictions", Assert.Throws<ArgumentException>(() => ImageGridPlot.Render(images, [0, 1], [0, 1, 2], null)).Message);
        using var flat = Tensor.Zeros(3, 16);
        Assert.Contains("[3, 16]", Assert.Throws<ArgumentException>(() => ImageGridPlot.Render(flat, [0, 1, 2], [0, 1, 2], null)).Message);
        using var twoChannels = Tensor.Zeros(3, 2, 4, 4);
        Assert.Contains("C = 1", Assert.Throws<ArgumentException>(() => ImageGridPlot.Render(twoChannels, [0, 1, 2], [0, 1, 2], null)).Message);
    }
}
