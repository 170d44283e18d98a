using Ember.Training.TensorBoard;
using Xunit;

namespace Ember.Tests.TensorBoard;

/// <summary>TensorBoard histograms against those torch.utils.tensorboard builds (fixtures/tensorboard.json).</summary>
public class HistogramFixtureTests
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("tensorboard.json"));

    public static TheoryData<string> Names() => new(cases.Value.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void MatchesPyTorch(string name)
    {
        var c = cases.Value[name];
        var p = c.Params;
        int? bins = p.IntOrNull("bins");
        // The inputs are float32, written as their shortest decimals; SummaryWriter widens floats to double.
        double[] values = c.Inputs[0].Values.Select(v => (double)(float)v).ToArray();

        var h = TensorBoardHistogram.Build(values, bins, name);

        var limits = c.Outputs[0].Values;
        var counts = c.Outputs[1].Values;
        var stats = c.Outputs[2].Values;
        Assert.Equal(limits.Length, h.BucketLimit.Count);
        for (int i = 0; i < limits.Length; i++)
            Assert.True(Math.Abs(limits[i] - h.BucketLimit[i]) <= 1e-12 * Math.Abs(limits[i]),
                $"{name}: bucket_limit[{i}] is {h.BucketLimit[i]:R}, PyTorch has {limits[i]:R}");
        Assert.Equal(counts, h.Bucket.ToArray());
        Assert.Equal(stats[0], h.Min);
        Assert.Equal(stats[1], h.Max);
        Assert.Equal(stats[2], h.Num);
        Assert.Equal(stats[3], h.Sum, 1e-9 * Math.Max(1, Math.Abs(stats[3])));
        Assert.Equal(stats[4], h.SumSquares, 1e-9 * Math.Max(1, stats[4]));
    }

    [Fact]
    public void DefaultEdgesAreTensorBoardsExponentialBuckets()
    {
        var edges = TensorBoardHistogram.DefaultEdges;
        Assert.Equal(0, edges[edges.Length / 2]);
        Assert.Equal(1e-12, edges[edges.Length / 2 + 1]);
        Assert.True(edges[^1] < 1e20 && edges[^1] * 1.1 >= 1e20);
        for (int i = 1; i < edges.Length; i++)
            Assert.True(edges[i] > edges[i - 1]);
        for (int i = 0; i < edges.Length; i++)
            Assert.Equal(-edges[i], edges[^(i + 1)]);
    }

    [Fact]
    public void UniformCountsMatchADirectCountOnEveryEdge()
    {
        // Values on and next to the edges of 10 bins over [0, 1].
        var values = new List<double>();
        for (int i = 0; i <= 100; i++)
        {
            double v = i / 100.0;
            values.AddRange([v, Math.BitDecrement(v), Math.BitIncrement(v)]);
        }
        values.RemoveAll(v => v < 0 || v > 1);
        var (edges, counts) = TensorBoardHistogram.CountUniform(values.ToArray(), 10, values.Min(), values.Max());
        for (int b = 0; b < 10; b++)
        {
            long direct = values.Count(v => v >= edges[b] && (v < edges[b + 1] || (b == 9 && v <= edges[b + 1])));
            Assert.Equal(direct, counts[b]);
        }
        Assert.Equal(values.Count, counts.Sum());
    }
}
