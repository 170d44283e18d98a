namespace Ember.Data;

/// <summary>
/// A random order of 0..count-1 each epoch (a permutation, or <c>numSamples</c> draws with replacement),
/// derived from (seed, epoch).
/// </summary>
public sealed class RandomSampler : Sampler
{
    readonly int count, numSamples;
    readonly bool replacement;

    /// <param name="count">The dataset's size.</param>
    /// <param name="seed">The seed; if null, one is drawn from <paramref name="generator"/> (or the default generator).</param>
    /// <param name="replacement">Draw independently with replacement instead of permuting.</param>
    /// <param name="numSamples">How many indices per epoch; default <paramref name="count"/>. Without replacement it must not exceed count.</param>
    /// <param name="generator">Where an unseeded sampler draws its seed from.</param>
    public RandomSampler(int count, ulong? seed = null, bool replacement = false, int? numSamples = null, Generator? generator = null)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"RandomSampler: count {count} must not be negative.");
        int n = numSamples ?? count;
        if (n < 0 || (!replacement && n > count))
            throw new ArgumentOutOfRangeException(nameof(numSamples), $"RandomSampler: cannot draw {n} samples from {count} without replacement.");
        if (replacement && n > 0 && count == 0)
            throw new ArgumentException($"RandomSampler: cannot draw {n} samples with replacement from an empty dataset.");
        this.count = count;
        this.replacement = replacement;
        this.numSamples = n;
        Seed = SeedOrDefault(seed, generator);
    }

    public ulong Seed { get; }

    public override int Count => numSamples;

    public override IEnumerable<int> Indices(long epoch)
    {
        var g = new Generator(SampleSeeds.ForEpoch(Seed, epoch));
        if (replacement)
        {
            var draws = new int[numSamples];
            for (int i = 0; i < draws.Length; i++) draws[i] = (int)g.NextInt64(0, count);
            return draws;
        }
        var perm = Dataset.Permutation(count, g);
        return numSamples == count ? perm : perm.Take(numSamples).ToArray();
    }
}
