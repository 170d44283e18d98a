using ScottPlot;

namespace Ember.Plots;

/// <summary>Confusion matrices: counting predictions against targets, and drawing them as a heat map.</summary>
public static class ConfusionMatrixPlot
{
    /// <summary>
    /// counts[t, p]: how many samples of true class t were predicted as class p.
    /// </summary>
    public static long[,] Compute(ReadOnlySpan<long> predicted, ReadOnlySpan<long> targets, int numClasses)
    {
        if (predicted.Length != targets.Length)
            throw new ArgumentException($"ConfusionMatrixPlot.Compute: {predicted.Length} predictions do not match {targets.Length} targets; expected one prediction per target.", nameof(predicted));
        if (numClasses < 1)
            throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"ConfusionMatrixPlot.Compute: numClasses must be positive, got {numClasses}.");
        var counts = new long[numClasses, numClasses];
        for (int i = 0; i < predicted.Length; i++)
        {
            long p = predicted[i], t = targets[i];
            if ((ulong)p >= (ulong)numClasses || (ulong)t >= (ulong)numClasses)
                throw new ArgumentOutOfRangeException(nameof(predicted), $"ConfusionMatrixPlot.Compute: sample {i} has prediction {p} and target {t}; classes must lie in [0, {numClasses}).");
            counts[t, p]++;
        }
        return counts;
    }

    /// <summary>
    /// Draws <paramref name="counts"/> (rows: true class, columns: predicted class) as a heat map with the
    /// count in each cell and the class names on the axes, and writes it as a PNG of the given size.
    /// </summary>
    /// <param name="counts">A square matrix, counts[true, predicted].</param>
    /// <param name="classNames">One name per class; null numbers them.</param>
    /// <param name="path">The PNG file to write; its folder is created.</param>
    /// <param name="width">Image width in pixels.</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="normalize">Colour each row by its share of the true class (the cells still show counts).</param>
    public static void Save(long[,] counts, IReadOnlyList<string>? classNames, string path, int width = 700, int height = 600,
        string title = "Confusion matrix", bool normalize = false)
        => PlotFiles.Write(path, Render(counts, classNames, width, height, title, normalize));

    /// <summary>The chart of <see cref="Save"/> as PNG bytes.</summary>
    public static byte[] Render(long[,] counts, IReadOnlyList<string>? classNames, int width = 700, int height = 600,
        string title = "Confusion matrix", bool normalize = false)
    {
        ArgumentNullException.ThrowIfNull(counts);
        PlotFiles.CheckSize(width, height, "ConfusionMatrixPlot.Render");
        int n = counts.GetLength(0);
        if (n == 0 || counts.GetLength(1) != n)
            throw new ArgumentException($"ConfusionMatrixPlot.Render: counts of shape [{counts.GetLength(0)}, {counts.GetLength(1)}] is not a non-empty square matrix.", nameof(counts));
        if (classNames is not null && classNames.Count != n)
            throw new ArgumentException($"ConfusionMatrixPlot.Render: {classNames.Count} class names for a {n}x{n} matrix; expected {n}.", nameof(classNames));
        var names = classNames ?? Enumerable.Range(0, n).Select(i => i.ToString()).ToArray();

        var plot = new Plot();
        PlotStyle.Apply(plot, title, "Predicted", "True");
        plot.HideGrid();
        var colormap = new ScottPlot.Colormaps.Blues();
        long max = 1;
        foreach (long c in counts)
            max = Math.Max(max, c);
        float fontSize = Math.Clamp(260f / n, 7f, 18f);
        for (int t = 0; t < n; t++)
        {
            long rowTotal = 0;
            for (int p = 0; p < n; p++)
                rowTotal += counts[t, p];
            for (int p = 0; p < n; p++)
            {
                double share = normalize ? (rowTotal > 0 ? (double)counts[t, p] / rowTotal : 0) : (double)counts[t, p] / max;
                // True class 0 at the top, as confusion matrices are read.
                double y = n - 1 - t;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                // ScottPlot's Blues runs from dark to light; empty cells are light.
                cell.FillStyle.Color = colormap.GetColor(1 - (0.03 + 0.9 * share));
                cell.LineStyle.Color = Colors.White;
                cell.LineStyle.Width = 1;
                var label = plot.Add.Text(counts[t, p].ToString(), p, y);
                label.LabelFontSize = fontSize;
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelBold = t == p;
                label.LabelFontColor = share > 0.5 ? Colors.White : Colors.Black;
            }
        }
        double[] ticks = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, names.ToArray());
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            ticks.Select(v => n - 1 - v).ToArray(), names.ToArray());
        if (names.Any(s => s.Length > 4) && n > 4)
        {
            // Long names slant down to the right, and the axis grows to hold the longest.
            plot.Axes.Bottom.TickLabelStyle.Rotation = 45;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
            using var font = new SkiaSharp.SKFont(PlotFonts.Sans, plot.Axes.Bottom.TickLabelStyle.FontSize);
            float longest = names.Max(name => font.MeasureText(name));
            plot.Axes.Bottom.MinimumSize = longest * 0.71f + plot.Axes.Bottom.TickLabelStyle.FontSize + 24;
        }
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }
}
