using ScottPlot;
using SkiaSharp;

namespace Ember.Plots;

/// <summary>Loss and metric curves over epochs, written as PNG files.</summary>
public static class TrainingPlots
{
    /// <summary>
    /// Draws the chosen series of <paramref name="history"/> (all by default) as lines over epochs, one colour
    /// per metric and validation series dashed, and writes the chart as a PNG of the given size.
    /// </summary>
    /// <param name="history">The series to draw from.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="yLabel">The vertical axis label, e.g. "Loss" or "Accuracy".</param>
    /// <param name="series">Which series to draw, by name; null draws every series.</param>
    public static void SaveCurves(CurveHistory history, string path, int width = 800, int height = 500,
        string title = "Training", string yLabel = "Value", IEnumerable<string>? series = null)
        => PlotFiles.Write(path, RenderCurves(history, width, height, title, yLabel, series));

    /// <summary>The chart of <see cref="SaveCurves"/> as PNG bytes.</summary>
    public static byte[] RenderCurves(CurveHistory history, int width = 800, int height = 500,
        string title = "Training", string yLabel = "Value", IEnumerable<string>? series = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        PlotFiles.CheckSize(width, height, "TrainingPlots.RenderCurves");
        var names = (series ?? history.Names).ToList();
        if (names.Count == 0)
            throw new ArgumentException("TrainingPlots.RenderCurves: there are no series to draw; add values to the history first.", nameof(history));

        var plot = new Plot();
        PlotStyle.Apply(plot, title, "Epoch", yLabel);
        // "train loss" and "validation loss" share a colour, told apart by the dash.
        var colours = new Dictionary<string, Color>();
        var palette = new ScottPlot.Palettes.Category10();
        foreach (string name in names)
        {
            var points = history[name];
            if (points.Count == 0)
                continue;
            string metric = PlotStyle.MetricOf(name);
            if (!colours.TryGetValue(metric, out var colour))
                colours[metric] = colour = palette.GetColor(colours.Count);
            var line = plot.Add.Scatter(points.Select(p => p.Epoch).ToArray(), points.Select(p => p.Value).ToArray(), colour);
            line.LegendText = name;
            line.LineWidth = 2.5f;
            line.MarkerSize = points.Count <= 50 ? 6 : 0;
            if (PlotStyle.IsValidation(name))
                line.LinePattern = LinePattern.Dashed;
        }
        // Epochs are whole numbers; no ticks at 2.5.
        if (names.SelectMany(n => history[n]).All(p => p.Epoch == Math.Floor(p.Epoch)))
            plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        plot.ShowLegend(LegendCorner(history, names));
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>
    /// The usual training report: the loss series (names with "loss") on the left, every other series
    /// (accuracy and other metrics) on the right, side by side in one PNG of the given size. With only
    /// one kind of series it is a single chart.
    /// </summary>
    public static void SaveLossAndMetrics(CurveHistory history, string path, int width = 1200, int height = 480,
        string metricLabel = "Metric")
        => PlotFiles.Write(path, RenderLossAndMetrics(history, width, height, metricLabel));

    /// <summary>The charts of <see cref="SaveLossAndMetrics"/> as PNG bytes.</summary>
    public static byte[] RenderLossAndMetrics(CurveHistory history, int width = 1200, int height = 480, string metricLabel = "Metric")
    {
        ArgumentNullException.ThrowIfNull(history);
        PlotFiles.CheckSize(width, height, "TrainingPlots.RenderLossAndMetrics");
        var losses = history.Names.Where(n => PlotStyle.MetricOf(n).Contains("loss")).ToList();
        var metrics = history.Names.Except(losses).ToList();
        if (losses.Count == 0 || metrics.Count == 0)
            return RenderCurves(history, width, height, losses.Count > 0 ? "Loss" : metricLabel, losses.Count > 0 ? "Loss" : metricLabel);

        int left = width / 2;
        using var lossChart = SKBitmap.Decode(RenderCurves(history, left, height, "Loss", "Loss", losses));
        using var metricChart = SKBitmap.Decode(RenderCurves(history, width - left, height, metricLabel, metricLabel, metrics));
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        surface.Canvas.DrawBitmap(lossChart, 0, 0);
        surface.Canvas.DrawBitmap(metricChart, left, 0);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>
    /// Upper right, unless the curves end in the upper half of the chart (accuracy rising), where the
    /// legend would hide them.
    /// </summary>
    static Alignment LegendCorner(CurveHistory history, List<string> names)
    {
        var all = names.SelectMany(n => history[n]).Select(p => p.Value).Where(double.IsFinite).ToList();
        var ends = names.Where(n => history[n].Count > 0).Select(n => history[n][^1].Value).Where(double.IsFinite).ToList();
        if (all.Count == 0 || ends.Count == 0)
            return Alignment.UpperRight;
        double low = all.Min(), high = all.Max();
        return high > low && (ends.Average() - low) / (high - low) > 0.5 ? Alignment.LowerRight : Alignment.UpperRight;
    }
}
