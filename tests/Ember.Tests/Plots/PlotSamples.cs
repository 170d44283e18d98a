using Ember.Plots;

namespace Ember.Tests.Plots;

/// <summary>Small, seeded inputs for the plot tests.</summary>
internal static class PlotSamples
{
    public static readonly string[] Classes = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public static CurveHistory History(int epochs = 12)
    {
        var h = new CurveHistory();
        for (int e = 1; e <= epochs; e++)
        {
            h.Add("train loss", e, 2.3 * Math.Exp(-0.25 * e) + 0.1);
            h.Add("validation loss", e, 2.3 * Math.Exp(-0.2 * e) + 0.25 + 0.01 * e);
            h.Add("train accuracy", e, 1 - Math.Exp(-0.3 * e) * 0.9);
            h.Add("validation accuracy", e, 1 - Math.Exp(-0.25 * e) * 0.9 - 0.05);
        }
        return h;
    }

    /// <summary>A confusion matrix of a decent classifier on 10 classes: mostly diagonal.</summary>
    public static long[,] Confusion(int n = 10)
    {
        var rng = new Random(11);
        var counts = new long[n, n];
        for (int t = 0; t < n; t++)
            for (int p = 0; p < n; p++)
                counts[t, p] = t == p ? 80 + rng.Next(20) : rng.Next(6);
        return counts;
    }
}
