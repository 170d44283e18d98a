namespace Ember.Data.Synthetic;

/// <summary>
/// The shape of a <see cref="SeasonalSeries"/>: a level and a linear trend, a sum of seasonal sine waves
/// (period, amplitude), and Gaussian noise. The defaults give two seasons (12 and 40 steps) that do not
/// divide each other, so neither a last-value nor a one-season "same as a period ago" forecast is right.
/// </summary>
/// <param name="Periods">The seasonal periods, in steps (each at least 2).</param>
/// <param name="Amplitudes">One amplitude per period.</param>
/// <param name="Trend">Added per step.</param>
/// <param name="Level">The value at step 0, before the seasons and noise.</param>
/// <param name="NoiseStd">The standard deviation of the independent Gaussian noise on each step.</param>
public sealed record SeasonalSeriesOptions(double[]? Periods = null, double[]? Amplitudes = null, double Trend = 0.002, double Level = 0, double NoiseStd = 0.2)
{
    /// <summary>The periods in use: <see cref="Periods"/>, or 12 and 40.</summary>
    public IReadOnlyList<double> SeasonPeriods => Periods ?? [12, 40];

    /// <summary>The amplitudes in use: <see cref="Amplitudes"/>, or 1 and 0.6.</summary>
    public IReadOnlyList<double> SeasonAmplitudes => Amplitudes ?? [1.0, 0.6];

    /// <summary>Throws an ArgumentException naming the first setting out of range.</summary>
    public void Validate()
    {
        var p = SeasonPeriods;
        var a = SeasonAmplitudes;
        if (p.Count != a.Count)
            throw new ArgumentException($"SeasonalSeriesOptions: {p.Count} periods but {a.Count} amplitudes; give one amplitude per period.");
        for (int k = 0; k < p.Count; k++)
            if (!(p[k] >= 2) || double.IsInfinity(p[k]))
                throw new ArgumentException($"SeasonalSeriesOptions: period {k} is {p[k]}; a period must be a finite number of at least 2 steps.");
        if (a.Any(v => !double.IsFinite(v))) throw new ArgumentException("SeasonalSeriesOptions: the amplitudes must be finite.");
        if (!double.IsFinite(Trend) || !double.IsFinite(Level)) throw new ArgumentException($"SeasonalSeriesOptions: Trend ({Trend}) and Level ({Level}) must be finite.");
        if (!(NoiseStd >= 0) || double.IsInfinity(NoiseStd)) throw new ArgumentException($"SeasonalSeriesOptions: NoiseStd must be finite and non-negative, got {NoiseStd}.");
    }
}

/// <summary>
/// A generated time series for forecasting examples and tests:
/// x[t] = level + trend·t + Σₖ aₖ·sin(2π·t/pₖ + φₖ) + ε[t], with phases φₖ uniform in [0, 2π) and ε[t] ~ N(0, σ²),
/// all drawn from the given generator, so a seed gives the same series every time.
/// </summary>
public static class SeasonalSeries
{
    /// <summary><paramref name="length"/> values of the series described by <paramref name="options"/> (default: <see cref="SeasonalSeriesOptions"/>()).</summary>
    public static float[] Generate(int length, Generator generator, SeasonalSeriesOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (length < 1) throw new ArgumentException($"SeasonalSeries.Generate: length must be at least 1, got {length}.");
        options ??= new SeasonalSeriesOptions();
        options.Validate();
        var periods = options.SeasonPeriods;
        var amplitudes = options.SeasonAmplitudes;
        // Phases first, then the noise, so a longer series starts with the same values as a shorter one.
        var phases = periods.Select(_ => generator.NextDouble() * 2 * Math.PI).ToArray();
        var x = new float[length];
        for (int t = 0; t < length; t++)
        {
            double v = options.Level + options.Trend * t;
            for (int k = 0; k < periods.Count; k++) v += amplitudes[k] * Math.Sin(2 * Math.PI * t / periods[k] + phases[k]);
            x[t] = (float)(v + options.NoiseStd * generator.NextNormal());
        }
        return x;
    }

    /// <summary>The noise-free part of the series (level, trend and seasons) with the same phases as <see cref="Generate"/> draws from a generator in the same state.</summary>
    public static float[] Signal(int length, Generator generator, SeasonalSeriesOptions? options = null)
        => Generate(length, generator, (options ?? new SeasonalSeriesOptions()) with { NoiseStd = 0 });
}
