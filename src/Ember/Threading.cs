namespace Ember;

/// <summary>The intra-op thread pool size every Ember kernel shares.</summary>
public static class Threading
{
    static int numThreads = Environment.ProcessorCount;

    /// <summary>Sets how many threads one op may use (1 = run on the calling thread only).</summary>
    public static void SetNumThreads(int n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "Threading.SetNumThreads: the thread count must be at least 1.");
        numThreads = n;
    }

    public static int NumThreads => numThreads;
}

/// <summary>
/// The one place kernels get threads from. Work is cut into at most <see cref="Threading.NumThreads"/>
/// contiguous ranges; small jobs stay on the calling thread, since waking a worker costs microseconds.
/// </summary>
internal static class Parallelism
{
    /// <summary>Below this many units of work (roughly: elements touched) an op runs single-threaded.</summary>
    public const long DefaultGrain = 32_768;

    /// <summary>How many chunks to cut <paramref name="count"/> items into, each worth at least grain of cost.</summary>
    public static int ChunkCount(long count, long costPerItem = 1, long grain = DefaultGrain)
    {
        int t = Threading.NumThreads;
        if (t <= 1 || count <= 1) return 1;
        long total = count * Math.Max(1, costPerItem);
        long chunks = Math.Min(t, Math.Max(1, total / grain));
        return (int)Math.Min(chunks, count);
    }

    /// <summary>Runs body(start, end) over [0, count) split into contiguous ranges, in parallel when worth it.</summary>
    public static void For(long count, long costPerItem, Action<long, long> body)
    {
        int chunks = ChunkCount(count, costPerItem);
        if (chunks <= 1) { if (count > 0) body(0, count); return; }
        Run(chunks, i => body(count * i / chunks, count * (i + 1) / chunks));
    }

    /// <summary>Runs body(i) for i in [0, tasks) on up to NumThreads threads, the caller taking part.</summary>
    public static void Run(int tasks, Action<int> body)
    {
        if (tasks <= 1) { if (tasks == 1) body(0); return; }
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = Threading.NumThreads }, body);
    }
}
