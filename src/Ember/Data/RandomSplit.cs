namespace Ember.Data;

public static partial class Dataset
{
    /// <summary>
    /// Splits <paramref name="dataset"/> into non-overlapping random subsets of the given sizes, which must
    /// add up to its count (torch.utils.data.random_split). The same seed gives the same split.
    /// </summary>
    public static Subset<T>[] RandomSplit<T>(Dataset<T> dataset, int[] counts, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(counts);
        long total = 0;
        foreach (int c in counts)
        {
            if (c < 0) throw new ArgumentException($"RandomSplit: counts [{string.Join(", ", counts)}] must not be negative.", nameof(counts));
            total += c;
        }
        if (total != dataset.Count)
            throw new ArgumentException($"RandomSplit: counts [{string.Join(", ", counts)}] add up to {total}, but the dataset has {dataset.Count} samples.", nameof(counts));
        var perm = Permutation(dataset.Count, new Generator(seed));
        var parts = new Subset<T>[counts.Length];
        int start = 0;
        for (int k = 0; k < counts.Length; k++)
        {
            parts[k] = new Subset<T>(dataset, perm.AsSpan(start, counts[k]).ToArray());
            start += counts[k];
        }
        return parts;
    }

    /// <summary>
    /// Splits by fractions that add up to 1; counts are floor(fraction · n), and the remainder goes one by one to
    /// the parts in order, as PyTorch does.
    /// </summary>
    public static Subset<T>[] RandomSplit<T>(Dataset<T> dataset, double[] fractions, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(fractions);
        double sum = 0;
        foreach (double f in fractions)
        {
            if (!(f >= 0 && f <= 1)) throw new ArgumentException($"RandomSplit: fraction {f} is not in [0, 1].", nameof(fractions));
            sum += f;
        }
        if (Math.Abs(sum - 1) > 1e-6)
            throw new ArgumentException($"RandomSplit: fractions [{string.Join(", ", fractions)}] add up to {sum}, not 1.", nameof(fractions));
        int n = dataset.Count;
        var counts = fractions.Select(f => (int)Math.Floor(f * n)).ToArray();
        int remainder = n - counts.Sum();
        for (int k = 0; remainder > 0; k = (k + 1) % counts.Length, remainder--) counts[k]++;
        return RandomSplit(dataset, counts, seed);
    }

    /// <summary>A uniform random permutation of 0..n-1 (Fisher–Yates).</summary>
    internal static int[] Permutation(int n, Generator generator)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }
}
