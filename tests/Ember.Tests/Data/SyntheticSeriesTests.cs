using Ember.Data.Synthetic;
using Xunit;

namespace Ember.Tests.Data;

/// <summary>The generated seasonal series, its forecasting windows and the naive baselines.</summary>
public sealed class SyntheticSeriesTests
{
    [Fact]
    public void ASeedGivesTheSameSeriesAndAnotherSeedAnother()
    {
        var a = SeasonalSeries.Generate(500, new Generator(7));
        var b = SeasonalSeries.Generate(500, new Generator(7));
        var c = SeasonalSeries.Generate(500, new Generator(8));
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // A longer series starts with the shorter one.
        Assert.Equal(a, SeasonalSeries.Generate(800, new Generator(7))[..500]);
    }

    [Fact]
    public void TheSeasonsTrendAndNoiseHaveTheSizesAsked()
    {
        var options = new SeasonalSeriesOptions(Periods: [12, 40], Amplitudes: [1.0, 0.6], Trend: 0.002, NoiseStd: 0.2);
        const int n = 4800; // a whole number of both periods
        var x = SeasonalSeries.Generate(n, new Generator(3), options);
        var signal = SeasonalSeries.Signal(n, new Generator(3), options);

        // The noise is what the noise-free signal leaves: mean 0, standard deviation σ.
        var noise = x.Zip(signal, (v, s) => (double)v - s).ToArray();
        Assert.InRange(noise.Average(), -0.02, 0.02);
        Assert.InRange(Math.Sqrt(noise.Select(e => e * e).Average()), 0.19, 0.21);

        // Least-squares amplitude of each season after removing the trend: the asked amplitudes, and nothing at a period not asked for.
        var detrended = x.Select((v, t) => v - 0.002 * t).ToArray();
        Assert.InRange(Amplitude(detrended, 12), 0.97, 1.03);
        Assert.InRange(Amplitude(detrended, 40), 0.57, 0.63);
        Assert.InRange(Amplitude(detrended, 25), 0, 0.03);

        // Without noise and trend, one season repeats exactly after its period.
        var pure = SeasonalSeries.Generate(100, new Generator(1), new SeasonalSeriesOptions(Periods: [10], Amplitudes: [2], Trend: 0, NoiseStd: 0));
        for (int t = 0; t + 10 < pure.Length; t++) Assert.Equal(pure[t], pure[t + 10], 4);
        Assert.InRange(pure.Max(), 1.9f, 2.0f);
    }

    static double Amplitude(double[] x, double period)
    {
        double s = 0, c = 0;
        for (int t = 0; t < x.Length; t++)
        {
            s += x[t] * Math.Sin(2 * Math.PI * t / period);
            c += x[t] * Math.Cos(2 * Math.PI * t / period);
        }
        return 2 * Math.Sqrt(s * s + c * c) / x.Length;
    }

    [Fact]
    public void WindowsAreRelativeToTheirLastValueAndTheTestTargetsFollowTheTrainingPart()
    {
        var series = Enumerable.Range(0, 100).Select(i => (float)(i * i)).ToArray();
        var (train, test) = ForecastWindows.Split(series, 5, 0.8);
        Assert.Equal(80 - 5, train.Count);
        Assert.Equal(20, test.Count);
        Assert.Equal(80f * 80f, test.Next(0));
        var (input, target) = train.Get(2);
        using (input)
        using (target)
        {
            Assert.Equal([5, 1], input.Shape);
            Assert.Equal(new float[] { 4 - 36, 9 - 36, 16 - 36, 25 - 36, 0 }, input.ToArray<float>());
            Assert.Equal(new float[] { 49 - 36 }, target.ToArray<float>());
            Assert.Equal(36f, train.Offset(2));
        }
        var absolute = new ForecastWindows(series, 5, relative: false);
        var (i2, t2) = absolute.Get(2);
        using (i2)
        using (t2) Assert.Equal(49f, t2.ToArray<float>()[0]);
    }

    [Fact]
    public void BaselinesScoreTheirOwnErrors()
    {
        // On a line of slope 2, "last value" is always 2 short; "a period ago" is 2·period short.
        var line = Enumerable.Range(0, 50).Select(i => 2f * i).ToArray();
        var windows = new ForecastWindows(line, 10);
        var (mse, mae) = ForecastBaselines.Score(windows, ForecastBaselines.LastValue);
        Assert.Equal(4, mse, 6);
        Assert.Equal(2, mae, 6);
        var (smse, smae) = ForecastBaselines.Score(windows, (x, t) => ForecastBaselines.SeasonalNaive(x, t, 3));
        Assert.Equal(36, smse, 6);
        Assert.Equal(6, smae, 6);
    }

    [Fact]
    public void BadSettingsAreRefusedWithTheirNames()
    {
        Assert.Contains("amplitude", Assert.Throws<ArgumentException>(() => SeasonalSeries.Generate(10, new Generator(0), new SeasonalSeriesOptions(Periods: [12, 40], Amplitudes: [1]))).Message);
        Assert.Contains("period 0", Assert.Throws<ArgumentException>(() => SeasonalSeries.Generate(10, new Generator(0), new SeasonalSeriesOptions(Periods: [1], Amplitudes: [1]))).Message);
        Assert.Contains("NoiseStd", Assert.Throws<ArgumentException>(() => SeasonalSeries.Generate(10, new Generator(0), new SeasonalSeriesOptions(NoiseStd: -1))).Message);
        Assert.Contains("length", Assert.Throws<ArgumentException>(() => SeasonalSeries.Generate(0, new Generator(0))).Message);
        Assert.Contains("too short", Assert.Throws<ArgumentException>(() => new ForecastWindows(new float[5], 5)).Message);
        Assert.Contains("trainFraction", Assert.Throws<ArgumentException>(() => ForecastWindows.Split(new float[100], 5, 1.0)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => ForecastBaselines.SeasonalNaive(new float[10], 2, 3));
    }
}
