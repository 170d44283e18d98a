namespace Ember.Data.Synthetic;

/// <summary>Naive forecasts that a learned forecaster must beat, with their errors on a set of windows.</summary>
public static class ForecastBaselines
{
    /// <summary>The next value is the last one seen.</summary>
    public static float LastValue(IReadOnlyList<float> series, int t)
    {
        if (t < 1 || t > series.Count) throw new ArgumentOutOfRangeException(nameof(t), $"ForecastBaselines.LastValue: t must lie in [1, {series.Count}], got {t}.");
        return series[t - 1];
    }

    /// <summary>The next value is the one a season ago: x̂[t] = x[t − period].</summary>
    public static float SeasonalNaive(IReadOnlyList<float> series, int t, int period)
    {
        if (period < 1) throw new ArgumentException($"ForecastBaselines.SeasonalNaive: period must be at least 1, got {period}.");
        if (t < period || t > series.Count) throw new ArgumentOutOfRangeException(nameof(t), $"ForecastBaselines.SeasonalNaive: t must lie in [{period}, {series.Count}] for period {period}, got {t}.");
        return series[t - period];
    }

    /// <summary>Mean squared and mean absolute error of <paramref name="forecast"/> on every window of <paramref name="windows"/>.</summary>
    public static (double Mse, double Mae) Score(ForecastWindows windows, Func<IReadOnlyList<float>, int, float> forecast)
    {
        ArgumentNullException.ThrowIfNull(windows);
        ArgumentNullException.ThrowIfNull(forecast);
        double se = 0, ae = 0;
        for (int i = 0; i < windows.Count; i++)
        {
            double e = forecast(windows.Series, i + windows.Window) - windows.Next(i);
            se += e * e;
            ae += Math.Abs(e);
        }
        return (se / windows.Count, ae / windows.Count);
    }
}
