namespace Ember.Backends.Cpu;

/// <summary>
/// Threads a batch of equal-sized products: many small items run whole items per thread (each
/// single-threaded, no per-item fork/join); large items run one after another, each threaded inside.
/// </summary>
internal static class GemmBatching
{
    /// <summary>Per-item multiply-adds from which one item keeps all threads busy on its own.</summary>
    const long ThreadedItemWork = 256L * 256 * 256;

    /// <summary>Whole-batch multiply-adds below which threading the batch is not worth waking workers.</summary>
    const long MinBatchWork = 96L * 96 * 96;

    /// <summary>Calls body(first, end, threadsPerItem) over [0, count) in one or more chunks.</summary>
    public static void Run(int count, long workPerItem, Action<long, long, int> body)
    {
        if (count <= 0) return;
        int threads = Threading.NumThreads;
        if (count == 1 || threads == 1 || workPerItem >= ThreadedItemWork)
        {
            body(0, count, threads);
            return;
        }

        long total = workPerItem * count;
        int chunks = (int)Math.Min(Math.Min(threads, count), Math.Max(1, total / MinBatchWork));
        // A few mid-sized items that do not divide evenly over the threads balance better threaded inside.
        bool uneven = count % chunks != 0 && count < 4 * chunks && workPerItem >= 2 * MinBatchWork;
        if (chunks <= 1 || uneven)
        {
            body(0, count, threads);
            return;
        }
        Parallelism.Run(chunks, chunk => body((long)count * chunk / chunks, (long)count * (chunk + 1) / chunks, 1));
    }
}
