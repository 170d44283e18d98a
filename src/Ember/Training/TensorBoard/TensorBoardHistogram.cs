using Ember.Training.TensorBoard.Protos;

namespace Ember.Training.TensorBoard;

/// <summary>
/// Histograms as torch.utils.tensorboard builds them: numpy.histogram counts over fixed bin edges
/// (TensorBoard's exponential default buckets, or equal-width bins over [min, max]), trimmed to the bins
/// that hold data plus one empty bin on the left, since TensorBoard stores right bin limits only.
/// </summary>
internal static class TensorBoardHistogram
{
    static readonly Lazy<double[]> defaultEdges = new(MakeDefaultEdges);

    /// <summary>
    /// TensorBoard's default bucket edges: ±1e-12·1.1^k up to 1e20 and 0 between them. Built by repeated
    /// multiplication, as TensorBoard does, so the limits are the same doubles.
    /// </summary>
    public static ReadOnlySpan<double> DefaultEdges => defaultEdges.Value;

    static double[] MakeDefaultEdges()
    {
        var positive = new List<double>();
        for (double v = 1e-12; v < 1e20; v *= 1.1)
            positive.Add(v);
        var edges = new double[2 * positive.Count + 1];
        for (int i = 0; i < positive.Count; i++)
        {
            edges[positive.Count - 1 - i] = -positive[i];
            edges[positive.Count + 1 + i] = positive[i];
        }
        return edges;
    }

    /// <summary>
    /// The histogram of <paramref name="values"/>: with <paramref name="bins"/> null over the default
    /// edges, otherwise over that many equal-width bins spanning [min, max].
    /// </summary>
    public static HistogramProto Build(ReadOnlySpan<double> values, int? bins, string tag)
    {
        if (values.IsEmpty)
            throw new ArgumentException($"SummaryWriter.AddHistogram: the values for tag '{tag}' are empty; a histogram needs at least one value.", nameof(values));
        if (bins is <= 0)
            throw new ArgumentOutOfRangeException(nameof(bins), bins, $"SummaryWriter.AddHistogram: bins must be positive (or null for TensorBoard's default buckets), got {bins} for tag '{tag}'.");

        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0, sumSquares = 0;
        foreach (double v in values)
        {
            if (!double.IsFinite(v))
                throw new ArgumentException($"SummaryWriter.AddHistogram: the values for tag '{tag}' contain {v}; TensorBoard histograms need finite values.", nameof(values));
            min = Math.Min(min, v);
            max = Math.Max(max, v);
            sum += v;
            sumSquares += v * v;
        }

        double[] edges;
        long[] counts;
        if (bins is int n)
            (edges, counts) = CountUniform(values, n, min, max);
        else
        {
            edges = defaultEdges.Value;
            counts = CountOverEdges(values, edges);
        }

        // The support: from the first to the last non-empty bin.
        int first = Array.FindIndex(counts, c => c > 0);
        int last = Array.FindLastIndex(counts, c => c > 0);
        if (first < 0)
            throw new ArgumentException($"SummaryWriter.AddHistogram: every value for tag '{tag}' lies outside the bucket range [{edges[0]}, {edges[^1]}].", nameof(values));

        var proto = new HistogramProto { Min = min, Max = max, Num = values.Length, Sum = sum, SumSquares = sumSquares };
        // Bucket i is counted up to its right limit, so the leftmost edge of the support needs an empty
        // bucket of its own: the bin left of the support, or a zero bucket when the support starts at bin 0.
        if (first == 0)
            proto.Bucket.Add(0);
        for (int i = Math.Max(first - 1, 0); i <= last; i++)
            proto.Bucket.Add(counts[i]);
        for (int i = first; i <= last + 1; i++)
            proto.BucketLimit.Add(edges[i]);
        return proto;
    }

    /// <summary>numpy.histogram over explicit edges: bin i holds edges[i] ≤ v &lt; edges[i+1], the last bin also its right edge.</summary>
    internal static long[] CountOverEdges(ReadOnlySpan<double> values, double[] edges)
    {
        var counts = new long[edges.Length - 1];
        foreach (double v in values)
        {
            if (v < edges[0] || v > edges[^1])
                continue;
            int i = Array.BinarySearch(edges, v);
            // An exact hit on an edge opens the bin to its right; between edges, ~i is the edge above.
            int bin = i >= 0 ? Math.Min(i, counts.Length - 1) : ~i - 1;
            counts[bin]++;
        }
        return counts;
    }

    /// <summary>numpy.histogram with an integer bin count: linspace edges over [min, max] (widened by ±0.5 when equal).</summary>
    internal static (double[] Edges, long[] Counts) CountUniform(ReadOnlySpan<double> values, int bins, double min, double max)
    {
        if (min == max)
        {
            min -= 0.5;
            max += 0.5;
        }
        var edges = new double[bins + 1];
        double step = (max - min) / bins;
        for (int i = 0; i < bins; i++)
            edges[i] = i * step + min;
        edges[bins] = max;

        var counts = new long[bins];
        double norm = bins / (max - min);
        foreach (double v in values)
        {
            int i = (int)((v - min) * norm);
            if (i == bins)
                i--;
            // The scaled index can be off by one next to an edge; the edges decide, as in numpy.
            if (v < edges[i])
                i--;
            else if (v >= edges[i + 1] && i != bins - 1)
                i++;
            counts[i]++;
        }
        return (edges, counts);
    }
}
