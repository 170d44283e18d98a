using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public class SamplerTests
{
    [Fact]
    public void SequentialSamplerCountsUp()
    {
        Assert.Equal([0, 1, 2, 3], new SequentialSampler(4).Indices(7));
        Assert.Empty(new SequentialSampler(0).Indices(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SequentialSampler(-1));
    }

    [Fact]
    public void RandomSamplerPermutesPerEpochFromItsSeed()
    {
        var s = new RandomSampler(50, seed: 5);
        var e0 = s.Indices(0).ToArray();
        Assert.Equal(Enumerable.Range(0, 50), e0.Order());
        Assert.NotEqual(Enumerable.Range(0, 50), e0);
        Assert.Equal(e0, new RandomSampler(50, seed: 5).Indices(0));
        Assert.NotEqual(e0, s.Indices(1));
        Assert.NotEqual(e0, new RandomSampler(50, seed: 6).Indices(0));

        var partial = new RandomSampler(50, seed: 5, numSamples: 10).Indices(0).ToArray();
        Assert.Equal(10, partial.Distinct().Count());
        var withReplacement = new RandomSampler(3, seed: 5, replacement: true, numSamples: 300).Indices(0).ToArray();
        Assert.Equal(300, withReplacement.Length);
        Assert.All(withReplacement, i => Assert.InRange(i, 0, 2));
        Assert.Equal(3, withReplacement.Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomSampler(5, numSamples: 6));
    }

    [Fact]
    public void SubsetRandomSamplerPermutesTheGivenIndices()
    {
        var s = new SubsetRandomSampler([10, 20, 30, 40, 50], seed: 1);
        Assert.Equal([10, 20, 30, 40, 50], s.Indices(0).Order());
        Assert.Equal(5, s.Count);
        var orders = Enumerable.Range(0, 20).Select(e => string.Join(",", s.Indices(e))).Distinct().Count();
        Assert.True(orders > 10);
    }

    [Fact]
    public void WeightedSamplerFollowsTheWeights()
    {
        var s = new WeightedRandomSampler([1, 0, 3], numSamples: 40_000, seed: 2);
        var draws = s.Indices(0).ToArray();
        Assert.DoesNotContain(1, draws);
        double share2 = draws.Count(i => i == 2) / 40_000.0;
        Assert.InRange(share2, 0.73, 0.77);

        var distinct = new WeightedRandomSampler([5, 1, 1, 0, 1], numSamples: 4, replacement: false, seed: 3).Indices(0).ToArray();
        Assert.Equal([0, 1, 2, 4], distinct.Order());
        // Without replacement the heavy index mostly comes first.
        int first0 = Enumerable.Range(0, 400).Count(e => new WeightedRandomSampler([5, 1, 1, 1], 2, replacement: false, seed: 4).Indices(e).First() == 0);
        Assert.InRange(first0, 200, 300);   // 5/8 = 62.5%

        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([0, 0], 1));
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1, -1], 1));
        Assert.Throws<ArgumentException>(() => new WeightedRandomSampler([1, 0], 2, replacement: false));
    }

    [Fact]
    public void BatchSamplerGroupsAndCounts()
    {
        var keep = new BatchSampler(new SequentialSampler(7), 3);
        Assert.Equal(3, keep.Count);
        Assert.Equal([[0, 1, 2], [3, 4, 5], [6]], keep.Batches(0).ToArray());
        var drop = new BatchSampler(new SequentialSampler(7), 3, dropLast: true);
        Assert.Equal(2, drop.Count);
        Assert.Equal(2, drop.Batches(0).Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchSampler(new SequentialSampler(7), 0));
    }
}
