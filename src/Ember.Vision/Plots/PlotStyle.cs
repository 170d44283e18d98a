using ScottPlot;

namespace Ember.Plots;

/// <summary>The look shared by Ember's charts: a clear title, labelled axes, light grid.</summary>
internal static class PlotStyle
{
    public static void Apply(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Font.Set(PlotFonts.Sans.FamilyName);
        plot.Title(title, size: 20);
        plot.Axes.Title.Label.Bold = true;
        plot.XLabel(xLabel, size: 15);
        plot.YLabel(yLabel, size: 15);
        plot.FigureBackground.Color = Colors.White;
        plot.DataBackground.Color = Colors.White;
        plot.Grid.MajorLineColor = Colors.Black.WithAlpha(0.1);
    }

    static readonly string[] validationWords = ["val", "valid", "validation", "test", "eval"];
    static readonly string[] splitWords = [.. validationWords, "train", "training"];

    /// <summary>Whether a series name speaks of validation or test data ("val loss", "loss/validation").</summary>
    public static bool IsValidation(string name) => Words(name).Any(w => validationWords.Contains(w));

    /// <summary>The name without its split words: "train loss" and "val loss" are both "loss".</summary>
    public static string MetricOf(string name)
    {
        var rest = Words(name).Where(w => !splitWords.Contains(w)).ToList();
        return rest.Count > 0 ? string.Join(" ", rest) : name;
    }

    static IEnumerable<string> Words(string name)
        => name.ToLowerInvariant().Split([' ', '_', '/', '-', '.', ':'], StringSplitOptions.RemoveEmptyEntries);
}
