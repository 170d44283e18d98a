using System.Diagnostics;
using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public class LoaderTests
{
    /// <summary>Sample i is ([i, a random draw from its generator], i): the batches show order and per-sample randomness.</summary>
    static Dataset<(Tensor Input, long Label)> Numbers(int n, int delayMs = 0) => Dataset.FromFunc(n, (i, g) =>
    {
        if (delayMs > 0) Thread.Sleep(delayMs);
        return (Tensor.FromArray(new[] { i, g.NextFloat() }, 2), (long)i);
    });

    /// <summary>Every batch of one epoch as (inputs, labels) arrays; the batches are disposed.</summary>
    static List<(float[] X, long[] Y)> Epoch(IEnumerable<Batch> loader)
    {
        var result = new List<(float[], long[])>();
        foreach (var batch in loader)
            using (batch)
            {
                Assert.Equal(batch.Size, batch.Input.Shape[0]);
                result.Add((batch.Input.ToArray<float>(), batch.Target.ToArray<long>()));
            }
        return result;
    }

    static void Same(List<(float[] X, long[] Y)> a, List<(float[] X, long[] Y)> b)
    {
        Assert.Equal(a.Count, b.Count);
        for (int k = 0; k < a.Count; k++)
        {
            Assert.Equal(a[k].X, b[k].X);
            Assert.Equal(a[k].Y, b[k].Y);
        }
    }

    [Fact]
    public void SequentialBatchesInOrderWithShortLastBatch()
    {
        using var loader = new DataLoader(Numbers(10), batchSize: 4, seed: 1);
        var batches = Epoch(loader);
        Assert.Equal(3, loader.Count);
        Assert.Equal([[0L, 1, 2, 3], [4, 5, 6, 7], [8, 9]], batches.Select(b => b.Y).ToArray());
        Assert.Equal(new float[] { 0, 1, 2, 3 }, batches[0].X.Where((_, i) => i % 2 == 0).ToArray());
    }

    [Fact]
    public void DropLastDropsTheShortBatch()
    {
        using var loader = new DataLoader(Numbers(10), batchSize: 4, dropLast: true, seed: 1);
        Assert.Equal(2, loader.Count);
        Assert.Equal([[0L, 1, 2, 3], [4, 5, 6, 7]], Epoch(loader).Select(b => b.Y).ToArray());
        using var exact = new DataLoader(Numbers(8), batchSize: 4, dropLast: true, seed: 1);
        Assert.Equal(2, Epoch(exact).Count);
    }

    [Fact]
    public void BatchesAreTheSameForAnyNumberOfWorkers()
    {
        foreach (bool shuffle in new[] { false, true })
        {
            var epochs = new List<List<(float[], long[])>>[3];
            int[] workerCounts = [0, 1, 3];
            for (int w = 0; w < workerCounts.Length; w++)
            {
                using var loader = new DataLoader(Numbers(53), batchSize: 5, shuffle: shuffle, seed: 42, numWorkers: workerCounts[w], prefetchFactor: 2);
                epochs[w] = [Epoch(loader), Epoch(loader), Epoch(loader)];
            }
            for (int w = 1; w < 3; w++)
                for (int e = 0; e < 3; e++) Same(epochs[0][e], epochs[w][e]);
            // Every sample exactly once per epoch.
            Assert.Equal(Enumerable.Range(0, 53).Select(i => (long)i), epochs[0][0].SelectMany(b => b.Item2).Order());
        }
    }

    [Fact]
    public void ShuffleDependsOnSeedAndEpochAndSetEpochReproducesIt()
    {
        using var a = new DataLoader(Numbers(40), batchSize: 8, shuffle: true, seed: 7);
        var e0 = Epoch(a);
        var e1 = Epoch(a);
        Assert.Equal(2, a.Epoch);
        Assert.NotEqual(e0.SelectMany(b => b.Y), e1.SelectMany(b => b.Y));
        Assert.NotEqual(Enumerable.Range(0, 40).Select(i => (long)i), e0.SelectMany(b => b.Y));
        // The per-sample draws differ between epochs too.
        Assert.NotEqual(e0[0].X[1], e1.SelectMany(b => b.X.Chunk(2)).First(p => p[0] == e0[0].X[0])[1]);

        using var resumed = new DataLoader(Numbers(40), batchSize: 8, shuffle: true, seed: 7);
        resumed.SetEpoch(1);
        Same(e1, Epoch(resumed));

        using var other = new DataLoader(Numbers(40), batchSize: 8, shuffle: true, seed: 8);
        Assert.NotEqual(e0.SelectMany(b => b.Y), Epoch(other).SelectMany(b => b.Y));

        using var fromGenerator1 = new DataLoader(Numbers(40), batchSize: 8, shuffle: true, generator: new Generator(3));
        using var fromGenerator2 = new DataLoader(Numbers(40), batchSize: 8, shuffle: true, generator: new Generator(3));
        Same(Epoch(fromGenerator1), Epoch(fromGenerator2));
    }

    [Fact]
    public void SamplesGetGeneratorsSeededFromSeedEpochAndIndex()
    {
        var data = Numbers(12);
        using var loader = new DataLoader(data, batchSize: 12, shuffle: true, seed: 99, numWorkers: 2);
        loader.SetEpoch(5);
        var batch = Epoch(loader).Single();
        for (int k = 0; k < 12; k++)
        {
            int index = (int)batch.Y[k];
            float expected = SampleSeeds.Generator(99, 5, index).NextFloat();
            Assert.Equal(expected, batch.X[2 * k + 1]);
        }
    }

    [Fact]
    public void SamplerAndBatchSamplerChooseTheIndices()
    {
        using var withSampler = new DataLoader(Numbers(20), batchSize: 3, sampler: new SubsetRandomSampler([2, 4, 6, 8], seed: 1));
        var ys = Epoch(withSampler).SelectMany(b => b.Y).ToArray();
        Assert.Equal([2L, 4, 6, 8], ys.Order());

        var batchSampler = new BatchSampler(new SequentialSampler(7), batchSize: 2, dropLast: true);
        using var withBatchSampler = new DataLoader(Numbers(7), batchSampler: batchSampler, numWorkers: 2);
        Assert.Equal([[0L, 1], [2, 3], [4, 5]], Epoch(withBatchSampler).Select(b => b.Y).ToArray());

        Assert.Throws<ArgumentException>(() => new DataLoader(Numbers(7), shuffle: true, sampler: new SequentialSampler(7)));
        Assert.Throws<ArgumentException>(() => new DataLoader(Numbers(7), batchSize: 2, batchSampler: batchSampler));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbers(7), batchSize: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbers(7), numWorkers: -1));
    }

    [Fact]
    public void CustomCollateAndTensorLabels()
    {
        var data = Dataset.FromFunc(5, i => (Tensor.Full([2, 2], i), Tensor.FromArray(new[] { (float)i, -i }, 2)));
        using var loader = new DataLoader<(Tensor Input, Tensor Label), Batch>(data, Collate.Default, batchSize: 2);
        var batches = loader.ToList();
        Assert.Equal([2, 2, 2], batches[0].Input.Shape);
        Assert.Equal([2, 2], batches[0].Target.Shape);
        Assert.Equal(new float[] { 4, -4 }, batches[2].Target.ToArray<float>());
        foreach (var b in batches) b.Dispose();

        using var sums = new DataLoader<(Tensor Input, Tensor Label), float>(data, samples =>
        {
            float s = samples.Sum(p => p.Input.ToArray<float>().Sum());
            foreach (var p in samples) { p.Input.Dispose(); p.Label.Dispose(); }
            return s;
        }, batchSize: 3, numWorkers: 2);
        Assert.Equal(new float[] { 12, 28 }, sums.ToArray());
    }

    [Fact]
    public void DefaultCollateRejectsMismatchedShapes()
    {
        var data = Dataset.FromFunc(2, i => (Tensor.Zeros(i + 1), (long)i));
        using var loader = new DataLoader(data, batchSize: 2);
        var e = Assert.Throws<ArgumentException>(() => loader.First());
        Assert.Contains("[2]", e.Message);
        Assert.Contains("[1]", e.Message);
    }

    [Fact]
    public void WorkerExceptionsReachTheConsumerInOrder()
    {
        var data = Dataset.FromFunc(10, i => i == 6 ? throw new InvalidOperationException("sample 6 is broken") : (Tensor.Zeros(1), (long)i));
        using var loader = new DataLoader(data, batchSize: 2, numWorkers: 3);
        int seen = 0;
        var e = Assert.Throws<InvalidOperationException>(() => { foreach (var b in loader) { b.Dispose(); seen++; } });
        Assert.Equal("sample 6 is broken", e.Message);
        Assert.Equal(3, seen);
    }

    [Fact]
    public void IterableDatasetIsBatchedInOrder()
    {
        var stream = IterableDataset<(Tensor Input, long Label)>.From(Enumerable.Range(0, 11).Select(i => (Tensor.Full([1], i), (long)i)));
        foreach (int workers in new[] { 0, 2 })
        {
            using var loader = new DataLoader<(Tensor Input, long Label), Batch>(stream, Collate.Default, batchSize: 4, numWorkers: workers);
            Assert.Equal([[0L, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10]], Epoch(loader).Select(b => b.Y).ToArray());
            using var dropping = new DataLoader<(Tensor Input, long Label), Batch>(stream, Collate.Default, batchSize: 4, dropLast: true, numWorkers: workers);
            Assert.Equal(2, Epoch(dropping).Count);
        }
    }

    [Fact]
    public void WorkersPrefetchWhileTheConsumerIsBusy()
    {
        int fetched = 0;
        var data = Dataset.FromFunc(64, i => { Interlocked.Increment(ref fetched); return (Tensor.Zeros(1), (long)i); });
        using var loader = new DataLoader(data, batchSize: 4, numWorkers: 2, prefetchFactor: 2);
        using var e = loader.GetEnumerator();
        Assert.True(e.MoveNext());
        e.Current.Dispose();
        // While the consumer holds off, workers fill the window: 2 workers × 2 batches ahead of the one taken.
        var deadline = Stopwatch.StartNew();
        while (Volatile.Read(ref fetched) < 5 * 4 && deadline.ElapsedMilliseconds < 10_000) Thread.Sleep(5);
        Thread.Sleep(100);
        Assert.Equal(5 * 4, Volatile.Read(ref fetched));   // bounded: no more than the window
    }

    /// <summary>Run by <see cref="DataTimingTests"/>, alone.</summary>
    internal static void TimeOverlap()
    {
        // 12 batches, each 40 ms to load and 40 ms to consume: about 960 ms serially, about 520 ms overlapped.
        static long Run(int workers)
        {
            using var loader = new DataLoader(Numbers(12, delayMs: 40), batchSize: 1, numWorkers: workers);
            var sw = Stopwatch.StartNew();
            foreach (var b in loader) { Thread.Sleep(40); b.Dispose(); }
            return sw.ElapsedMilliseconds;
        }
        long serial = Run(0), overlapped = Run(2);
        Assert.True(serial >= 900, $"serial run took {serial} ms");
        Assert.True(overlapped < serial * 0.8, $"with workers {overlapped} ms, without {serial} ms");
    }

    [Fact]
    public void DisposingTheEnumeratorOrTheLoaderStopsWorkers()
    {
        var data = Numbers(200, delayMs: 1);
        using (var loader = new DataLoader(data, batchSize: 2, numWorkers: 3))
        {
            var e = (DataLoader<(Tensor Input, long Label), Batch>.Enumerator)loader.GetEnumerator();
            Assert.True(e.MoveNext());
            e.Current.Dispose();
            Assert.True(e.AliveWorkers > 0);
            e.Dispose();
            Assert.Equal(0, e.AliveWorkers);
            Assert.False(e.MoveNext());
        }

        var loader2 = new DataLoader(data, batchSize: 2, numWorkers: 3);
        var e2 = (DataLoader<(Tensor Input, long Label), Batch>.Enumerator)loader2.GetEnumerator();
        Assert.True(e2.MoveNext());
        e2.Current.Dispose();
        loader2.Dispose();
        Assert.Equal(0, e2.AliveWorkers);
        Assert.Throws<ObjectDisposedException>(() => loader2.GetEnumerator());
    }

    [Fact]
    public void WorkersFinishOnTheirOwnAtTheEndOfAnEpoch()
    {
        using var loader = new DataLoader(Numbers(9), batchSize: 2, numWorkers: 3);
        var e = (DataLoader<(Tensor Input, long Label), Batch>.Enumerator)loader.GetEnumerator();
        while (e.MoveNext()) e.Current.Dispose();
        var sw = Stopwatch.StartNew();
        while (e.AliveWorkers > 0 && sw.ElapsedMilliseconds < 5000) Thread.Sleep(5);
        Assert.Equal(0, e.AliveWorkers);
        e.Dispose();
    }
}
