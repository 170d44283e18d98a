namespace Ember.Data;

/// <summary>
/// Draws <c>numSamples</c> indices with probability proportional to <c>weights</c> (e.g. to balance classes),
/// with or without replacement, each epoch from (seed, epoch).
/// </summary>
public sealed class WeightedRandomSampler : Sampler
{
    readonly double[] cumulative;
    readonly double[] weights;
    readonly int numSamples;
    readonly bool replacement;

    public WeightedRandomSampler(IReadOnlyList<double> weights, int numSamples, bool replacement = true, ulong? seed = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        this.weights = weights.ToArray();
        int positive = 0;
        foreach (double w in this.weights)
        {
            if (!(w >= 0) || double.IsInfinity(w))
                throw new ArgumentException($"WeightedRandomSampler: weight {w} is not a finite non-negative number.", nameof(weights));
            if (w > 0) positive++;
        }
        if (positive == 0)
            throw new ArgumentException($"WeightedRandomSampler: all {this.weights.Length} weights are zero; at least one must be positive.", nameof(weights));
        if (numSamples < 0)
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"WeightedRandomSampler: numSamples {numSamples} must not be negative.");
        if (!replacement && numSamples > positive)
            throw new ArgumentException($"WeightedRandomSampler: cannot draw {numSamples} samples without replacement from {positive} indices of non-zero weight.", nameof(numSamples));
        cumulative = new double[this.weights.Length];
        double sum = 0;
        for (int i = 0; i < this.weights.Length; i++) cumulative[i] = sum += this.weights[i];
        this.numSamples = numSamples;
        this.replacement = replacement;
        Seed = SeedOrDefault(seed, generator);
    }

    public ulong Seed { get; }

    public override int Count => numSamples;

    public override IEnumerable<int> Indices(long epoch)
    {
        var g = new Generator(SampleSeeds.ForEpoch(Seed, epoch));
        var result = new int[numSamples];
        if (replacement)
        {
            double total = cumulative[^1];
            for (int k = 0; k < numSamples; k++) result[k] = Find(cumulative, g.NextDouble() * total);
            return result;
        }
        // Without replacement: exponential keys (Efraimidis–Spirakis), smallest -log(u)/w first.
        var keys = new double[weights.Length];
        var order = new int[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            double u = g.NextDouble();
            keys[i] = weights[i] > 0 ? -Math.Log(1 - u) / weights[i] : double.PositiveInfinity;
            order[i] = i;
        }
        Array.Sort(keys, order);
        Array.Copy(order, result, numSamples);
        return result;
    }

    // The first index whose cumulative weight exceeds x: zero-weight indices are never chosen.
    static int Find(double[] cumulative, double x)
    {
        int lo = 0, hi = cumulative.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > x) hi = mid; else lo = mid + 1;
        }
        return lo;
    }
}
