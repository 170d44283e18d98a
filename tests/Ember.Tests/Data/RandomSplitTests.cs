using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public class RandomSplitTests
{
    static readonly Dataset<int> Ten = Dataset.FromFunc(10, i => i);

    [Fact]
    public void CountsPartitionTheDataset()
    {
        var parts = Dataset.RandomSplit(Ten, [3, 7], seed: 1);
        Assert.Equal(3, parts[0].Count);
        Assert.Equal(7, parts[1].Count);
        var all = parts.SelectMany(p => Enumerable.Range(0, p.Count).Select(i => p[i])).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), all.Order());
        Assert.NotEqual(Enumerable.Range(0, 10), all);
        Assert.Equal(parts[0].Indices, Dataset.RandomSplit(Ten, [3, 7], seed: 1)[0].Indices);
        Assert.NotEqual(parts[0].Indices, Dataset.RandomSplit(Ten, [3, 7], seed: 2)[0].Indices);
    }

    [Fact]
    public void FractionsRoundLikePyTorch()
    {
        var parts = Dataset.RandomSplit(Ten, [0.25, 0.25, 0.5], seed: 1);
        // floor gives 2, 2, 5; the one left over goes to the first part.
        Assert.Equal([3, 2, 5], parts.Select(p => p.Count));
    }

    [Fact]
    public void BadSplitsAreRejected()
    {
        Assert.Contains("add up to 9", Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(Ten, [3, 6], seed: 1)).Message);
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(Ten, [0.5, 0.6], seed: 1));
        Assert.Throws<ArgumentException>(() => Dataset.RandomSplit(Ten, [-1, 11], seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ten[10]);
    }
}
