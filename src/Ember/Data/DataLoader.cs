using System.Collections;

namespace Ember.Data;

/// <summary>
/// Batches a dataset (torch.utils.data.DataLoader): a sampler picks each epoch's indices, a batch sampler groups
/// them, samples are fetched with a generator seeded from (seed, epoch, index) and collated. With
/// <c>numWorkers</c> &gt; 0 batches are built on background threads up to <c>numWorkers · prefetchFactor</c>
/// ahead and handed out in order, so the batches are the same whatever the number of workers.
/// Each enumeration is one epoch; the next starts at <see cref="Epoch"/> + 1. Batches belong to the consumer.
/// </summary>
public class DataLoader<TSample, TBatch> : IEnumerable<TBatch>, IEpochLoader, IDisposable
{
    readonly Dataset<TSample>? dataset;
    readonly IterableDataset<TSample>? iterable;
    readonly Func<IReadOnlyList<TSample>, TBatch> collate;
    readonly BatchSampler? batchSampler;
    readonly int batchSize;
    readonly bool dropLast;
    readonly List<Enumerator> live = [];
    bool disposed;

    /// <param name="dataset">The samples.</param>
    /// <param name="collate">Turns a list of samples into a batch; it owns the samples.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">A new random order each epoch (a <see cref="RandomSampler"/> seeded with <paramref name="seed"/>).</param>
    /// <param name="seed">Seeds the shuffle and the per-sample generators; if null, one is drawn from <paramref name="generator"/> or the default generator.</param>
    /// <param name="dropLast">Drop the last batch when it is short.</param>
    /// <param name="sampler">Chooses the indices; not with <paramref name="shuffle"/>.</param>
    /// <param name="batchSampler">Chooses whole batches; not with batchSize, shuffle, sampler or dropLast.</param>
    /// <param name="numWorkers">Background threads building batches; 0 builds them on the consumer's thread.</param>
    /// <param name="prefetchFactor">Batches each worker may build ahead of the consumer.</param>
    /// <param name="generator">Where the seed comes from when <paramref name="seed"/> is null.</param>
    public DataLoader(Dataset<TSample> dataset, Func<IReadOnlyList<TSample>, TBatch> collate, int batchSize = 1,
        bool shuffle = false, ulong? seed = null, bool dropLast = false, Sampler? sampler = null,
        BatchSampler? batchSampler = null, int numWorkers = 0, int prefetchFactor = 2, Generator? generator = null)
    {
        this.dataset = dataset ?? throw new ArgumentNullException(nameof(dataset));
        this.collate = collate ?? throw new ArgumentNullException(nameof(collate));
        CheckCommon(batchSize, numWorkers, prefetchFactor);
        Seed = seed ?? (generator ?? Generator.Default).NextUInt64();
        NumWorkers = numWorkers;
        PrefetchFactor = prefetchFactor;
        if (batchSampler != null)
        {
            if (batchSize != 1 || shuffle || sampler != null || dropLast)
                throw new ArgumentException("DataLoader: batchSampler is mutually exclusive with batchSize, shuffle, sampler and dropLast.");
            this.batchSampler = batchSampler;
        }
        else
        {
            if (shuffle && sampler != null)
                throw new ArgumentException("DataLoader: shuffle and sampler are mutually exclusive; give a RandomSampler as the sampler instead.");
            sampler ??= shuffle ? new RandomSampler(dataset.Count, Seed) : new SequentialSampler(dataset.Count);
            this.batchSampler = new BatchSampler(sampler, batchSize, dropLast);
        }
        this.batchSize = this.batchSampler.BatchSize;
        this.dropLast = this.batchSampler.DropLast;
    }

    /// <summary>Batches an iterable dataset in its own order (no shuffle or sampler); workers prefetch on one thread.</summary>
    public DataLoader(IterableDataset<TSample> dataset, Func<IReadOnlyList<TSample>, TBatch> collate, int batchSize = 1,
        bool dropLast = false, int numWorkers = 0, int prefetchFactor = 2)
    {
        iterable = dataset ?? throw new ArgumentNullException(nameof(dataset));
        this.collate = collate ?? throw new ArgumentNullException(nameof(collate));
        CheckCommon(batchSize, numWorkers, prefetchFactor);
        this.batchSize = batchSize;
        this.dropLast = dropLast;
        NumWorkers = numWorkers;
        PrefetchFactor = prefetchFactor;
    }

    static void CheckCommon(int batchSize, int numWorkers, int prefetchFactor)
    {
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), $"DataLoader: batch size {batchSize} must be positive.");
        if (numWorkers < 0) throw new ArgumentOutOfRangeException(nameof(numWorkers), $"DataLoader: numWorkers {numWorkers} must not be negative.");
        if (prefetchFactor <= 0) throw new ArgumentOutOfRangeException(nameof(prefetchFactor), $"DataLoader: prefetchFactor {prefetchFactor} must be positive.");
    }

    /// <summary>The seed of the shuffle and of the per-sample generators.</summary>
    public ulong Seed { get; }
    public int NumWorkers { get; }
    public int PrefetchFactor { get; }
    public int BatchSize => batchSize;
    public bool DropLast => dropLast;

    /// <summary>The epoch the next enumeration runs; each enumeration advances it by one.</summary>
    public long Epoch { get; private set; }

    /// <summary>Sets the epoch the next enumeration runs (to resume a run with the same order).</summary>
    public void SetEpoch(long epoch)
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), $"DataLoader: epoch {epoch} must not be negative.");
        Epoch = epoch;
    }

    /// <summary>Batches per epoch (not known for an iterable dataset).</summary>
    public int Count => batchSampler?.Count
        ?? throw new NotSupportedException("DataLoader: an iterable dataset has no known number of batches.");

    int? IEpochLoader.BatchCount => batchSampler?.Count;

    public IEnumerator<TBatch> GetEnumerator()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        long epoch = Epoch++;
        var e = new Enumerator(this, epoch);
        lock (live) live.Add(e);
        return e;
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Stops every enumeration still running and its workers.</summary>
    public void Dispose()
    {
        Enumerator[] running;
        lock (live) { disposed = true; running = [.. live]; }
        foreach (var e in running) e.Dispose();
        GC.SuppressFinalize(this);
    }

    TBatch MakeBatch(int[] indices, long epoch)
    {
        var samples = new TSample[indices.Length];
        for (int j = 0; j < indices.Length; j++)
            samples[j] = dataset!.Get(indices[j], SampleSeeds.Generator(Seed, epoch, indices[j]));
        return collate(samples);
    }

    /// <summary>One epoch; disposing it stops its workers and disposes batches built but not taken.</summary>
    internal sealed class Enumerator : IEnumerator<TBatch>
    {
        readonly DataLoader<TSample, TBatch> loader;
        readonly long epoch;
        readonly int[][]? batches;
        readonly IEnumerator<TSample>? source;
        OrderedPrefetcher<TBatch>? prefetcher;
        int next;
        bool done;

        public Enumerator(DataLoader<TSample, TBatch> loader, long epoch)
        {
            this.loader = loader;
            this.epoch = epoch;
            if (loader.iterable != null) source = loader.iterable.GetEnumerator();
            else batches = loader.batchSampler!.Batches(epoch).ToArray();
            if (loader.NumWorkers > 0)
            {
                // An iterable is read in order, so one thread builds its batches.
                int threads = batches != null ? Math.Min(loader.NumWorkers, Math.Max(batches.Length, 1)) : 1;
                prefetcher = new OrderedPrefetcher<TBatch>(Produce, batches?.Length ?? int.MaxValue, threads,
                    loader.NumWorkers * loader.PrefetchFactor, "Ember DataLoader worker");
            }
        }

        public long Epoch => epoch;

        /// <summary>Worker threads still running (0 without workers and after Dispose).</summary>
        internal int AliveWorkers => prefetcher?.AliveThreads ?? 0;

        /// <summary>Batches built or being built so far by workers.</summary>
        internal int BatchesStarted => prefetcher?.Claimed ?? next;

        public TBatch Current { get; private set; } = default!;
        object? IEnumerator.Current => Current;

        bool Produce(int k, out TBatch batch)
        {
            if (batches != null)
            {
                if (k >= batches.Length) { batch = default!; return false; }
                batch = loader.MakeBatch(batches[k], epoch);
                return true;
            }
            var samples = new List<TSample>(loader.batchSize);
            while (samples.Count < loader.batchSize && source!.MoveNext()) samples.Add(source.Current);
            if (samples.Count == 0 || (samples.Count < loader.batchSize && loader.dropLast))
            {
                foreach (var s in samples) DisposeSample(s);
                batch = default!;
                return false;
            }
            batch = loader.collate(samples);
            return true;
        }

        public bool MoveNext()
        {
            if (done) return false;
            bool has;
            if (prefetcher != null) has = prefetcher.TryTake(out var b) && Set(b);
            else has = Produce(next, out var b) && Set(b);
            if (!has) { done = true; Current = default!; }
            else next++;
            return has;
        }

        bool Set(TBatch b) { Current = b; return true; }

        public void Reset() => throw new NotSupportedException("DataLoader: an epoch cannot be restarted; enumerate the loader again.");

        public void Dispose()
        {
            done = true;
            prefetcher?.Dispose();
            source?.Dispose();
            lock (loader.live) loader.live.Remove(this);
        }

        static void DisposeSample(TSample s)
        {
            if (s is IDisposable d) d.Dispose();
        }
    }
}

/// <summary>
/// The common loader: (input tensor, class index) samples collated into <see cref="Batch"/>es of stacked inputs
/// and Int64 targets, <c>foreach (var (x, y) in loader)</c>.
/// </summary>
public sealed class DataLoader(Dataset<(Tensor Input, long Label)> dataset, int batchSize = 1, bool shuffle = false,
    ulong? seed = null, bool dropLast = false, Sampler? sampler = null, BatchSampler? batchSampler = null,
    int numWorkers = 0, int prefetchFactor = 2, Generator? generator = null,
    Func<IReadOnlyList<(Tensor Input, long Label)>, Batch>? collate = null)
    : DataLoader<(Tensor Input, long Label), Batch>(dataset, collate ?? Collate.Default, batchSize, shuffle, seed,
        dropLast, sampler, batchSampler, numWorkers, prefetchFactor, generator);
