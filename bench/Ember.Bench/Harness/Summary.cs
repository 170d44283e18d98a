namespace Ember.Bench.Harness;

/// <summary>Median and 10th/90th percentiles of per-step times, in milliseconds.</summary>
public readonly record struct Summary(double Median, double P10, double P90, int Samples, int StepsPerSample)
{
    public static Summary Of(IReadOnlyList<double> msPerStep, int stepsPerSample)
    {
        if (msPerStep.Count == 0) throw new ArgumentException("Summary.Of: no samples.", nameof(msPerStep));
        var sorted = msPerStep.Order().ToArray();
        return new(Percentile(sorted, 0.5), Percentile(sorted, 0.1), Percentile(sorted, 0.9), sorted.Length, stepsPerSample);
    }

    /// <summary>Linear interpolation between closest ranks, as numpy's default does.</summary>
    static double Percentile(double[] sorted, double q)
    {
        double rank = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(rank), hi = (int)Math.Ceiling(rank);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
    }
}
