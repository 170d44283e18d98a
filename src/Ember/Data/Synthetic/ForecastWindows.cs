namespace Ember.Data.Synthetic;

/// <summary>
/// One-step-ahead forecasting samples cut from a series: sample i has the inputs x[i … i+L) as [L, 1] and the
/// target x[i+L] as [1]. With <c>relative</c>, both are taken relative to the window's last value x[i+L−1]
/// (the model sees the shape of the recent past and predicts the next change), which keeps a trending series
/// in range far beyond the values seen in training; add the last value back to get the forecast.
/// </summary>
public sealed class ForecastWindows : Dataset<(Tensor Input, Tensor Target)>
{
    readonly float[] series;

    /// <param name="series">The values (not copied; do not change them while the dataset is in use).</param>
    /// <param name="window">L, the number of past values each forecast sees.</param>
    /// <param name="relative">Inputs and target minus the window's last value.</param>
    public ForecastWindows(float[] series, int window, bool relative = true)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (window < 1) throw new ArgumentException($"ForecastWindows: window must be at least 1, got {window}.");
        if (series.Length < window + 1)
            throw new ArgumentException($"ForecastWindows: a series of {series.Length} values is too short for one window of {window} plus its target.");
        (this.series, Window, Relative) = (series, window, relative);
    }

    public int Window { get; }
    public bool Relative { get; }
    public IReadOnlyList<float> Series => series;

    public override int Count => series.Length - Window;

    /// <summary>The value the target of sample <paramref name="index"/> is relative to (0 when not relative).</summary>
    public float Offset(int index)
    {
        CheckIndex(index);
        return Relative ? series[index + Window - 1] : 0f;
    }

    /// <summary>The true next value of sample <paramref name="index"/>, in the series' own units.</summary>
    public float Next(int index)
    {
        CheckIndex(index);
        return series[index + Window];
    }

    public override (Tensor Input, Tensor Target) Get(int index)
    {
        float offset = Offset(index);
        var input = new float[Window];
        for (int t = 0; t < Window; t++) input[t] = series[index + t] - offset;
        return (Tensor.FromArray(input, Window, 1), Tensor.FromArray([series[index + Window] - offset], 1));
    }

    /// <summary>Splits a series by time: the first <paramref name="trainFraction"/> for training, the windows whose targets come later for testing.</summary>
    public static (ForecastWindows Train, ForecastWindows Test) Split(float[] series, int window, double trainFraction, bool relative = true)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!(trainFraction > 0 && trainFraction < 1))
            throw new ArgumentException($"ForecastWindows.Split: trainFraction must lie in (0, 1), got {trainFraction}.");
        int cut = (int)Math.Round(series.Length * trainFraction);
        if (cut < window + 1 || series.Length - cut < 1)
            throw new ArgumentException($"ForecastWindows.Split: {series.Length} values split at {cut} leave too little for a window of {window} plus a target on each side.");
        // The test windows reach back into the training part for their inputs, but every test target is new.
        return (new ForecastWindows(series[..cut], window, relative), new ForecastWindows(series[(cut - window)..], window, relative));
    }
}
