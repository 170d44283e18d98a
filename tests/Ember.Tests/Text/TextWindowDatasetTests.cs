using Ember.Data;
using Ember.Text;
using Xunit;

namespace Ember.Tests.Text;

public sealed class TextWindowDatasetTests
{
    static int[] Stream(int n) => Enumerable.Range(0, n).Select(i => i * 7 % 101).ToArray();

    [Fact]
    public void TargetsAreTheInputsShiftedByOne()
    {
        var tokens = Stream(50);
        var ds = new TextWindowDataset(tokens, blockSize: 8);
        var (x, y) = ds.Window(13);
        using (x) using (y)
        {
            Assert.Equal(DType.Int64, x.DType);
            Assert.Equal([8], x.Shape);
            Assert.Equal(tokens[13..21].Select(t => (long)t), x.ToArray<long>());
            Assert.Equal(tokens[14..22].Select(t => (long)t), y.ToArray<long>());
        }
    }

    [Fact]
    public void StridedWindowsCoverTheStreamInOrder()
    {
        var tokens = Stream(30);
        var ds = new TextWindowDataset(tokens, blockSize: 4, stride: 3);
        // starts 0, 3, …, 24 (a window at 25 would need token 29 as the last target: 25 + 4 = 29 ok, 27 + 4 = 31 not).
        Assert.Equal(9, ds.Count);
        var g = new Generator(0);
        Assert.Equal(Enumerable.Range(0, 9).Select(i => 3 * i), Enumerable.Range(0, 9).Select(i => ds.StartOf(i, g)));
        var (x, y) = ds[8];
        using (x) using (y) Assert.Equal((long)tokens[28], y.ToArray<long>()[^1]);
        // The last possible start is Tokens − T − 1.
        var dense = new TextWindowDataset(tokens, blockSize: 4, stride: 1);
        Assert.Equal(26, dense.Count);
    }

    [Fact]
    public void RandomWindowsAreSeededAndInRange()
    {
        var tokens = Stream(200);
        var ds = new TextWindowDataset(tokens, blockSize: 16, WindowSampling.Random, samplesPerEpoch: 40);
        Assert.Equal(40, ds.Count);
        var a = Enumerable.Range(0, 40).Select(i => ds.StartOf(i, SampleSeeds.Generator(3, 0, i))).ToArray();
        var b = Enumerable.Range(0, 40).Select(i => ds.StartOf(i, SampleSeeds.Generator(3, 0, i))).ToArray();
        Assert.Equal(a, b);
        Assert.All(a, s => Assert.InRange(s, 0, 200 - 16 - 1));
        Assert.True(a.Distinct().Count() > 20, "random starts should vary");

        using var b1 = ds.SampleBatch(4, new Generator(9));
        using var b2 = ds.SampleBatch(4, new Generator(9));
        Assert.Equal([4, 16], b1.Input.Shape);
        Assert.Equal(b1.Input.ToArray<long>(), b2.Input.ToArray<long>());
        var xs = b1.Input.ToArray<long>();
        var ys = b1.Target.ToArray<long>();
        for (int r = 0; r < 4; r++)
            for (int t = 0; t < 15; t++) Assert.Equal(xs[r * 16 + t + 1], ys[r * 16 + t]);
    }

    [Fact]
    public void SplitKeepsTheLastTenthForValidation()
    {
        var tokens = Stream(1000);
        var (train, val) = TextWindowDataset.Split(tokens, blockSize: 10);
        Assert.Equal(900, train.Tokens.Count);
        Assert.Equal(100, val.Tokens.Count);
        Assert.Equal(tokens[900..], val.Tokens);
        Assert.Equal(WindowSampling.Random, train.Sampling);
        Assert.Equal(WindowSampling.Strided, val.Sampling);
        Assert.Equal(9, val.Count); // starts 0, 10, …, 80; 90 would need a target at 100
    }

    [Fact]
    public void WorksWithTheDataLoader()
    {
        var ds = new TextWindowDataset(Stream(100), blockSize: 5);
        using var loader = new DataLoader<(Tensor Input, Tensor Target), Batch>(ds, TextWindowDataset.Collate, batchSize: 4);
        var batches = loader.ToList();
        Assert.Equal(5, batches.Count); // 19 windows
        Assert.Equal([4, 5], batches[0].Input.Shape);
        Assert.Equal([3, 5], batches[^1].Target.Shape);
        foreach (var b in batches) b.Dispose();
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        Assert.Contains("too short", Assert.Throws<ArgumentException>(() => new TextWindowDataset(Stream(8), 8)).Message);
        Assert.Throws<ArgumentException>(() => new TextWindowDataset(Stream(20), 0));
        Assert.Throws<ArgumentException>(() => new TextWindowDataset(Stream(20), 4, WindowSampling.Random, stride: 2));
        Assert.Throws<ArgumentException>(() => TextWindowDataset.Split(Stream(20), 4, 1.5));
        Assert.Throws<ArgumentException>(() => TextWindowDataset.Split(Stream(40), 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TextWindowDataset(Stream(20), 4).Window(16));
    }
}
