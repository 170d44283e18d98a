using System.Diagnostics;

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
        WorkerPool.Run(tasks, body);
    }
}

/// <summary>
/// Dedicated worker threads that spin briefly between jobs and then sleep, so the back-to-back
/// small jobs of a training step start in well under a microsecond instead of waking pool threads.
/// A job is an immutable object with its own task counter, so a worker late from the previous job
/// can never take a task of the next one. Calls from inside a job, or from a second user thread
/// while the pool is busy, run inline.
/// </summary>
internal static class WorkerPool
{
    sealed class Job(Action<int> body, int count)
    {
        public readonly Action<int> Body = body;
        public readonly int Count = count;
        public int Next;
        public int Pending = count;
        public Exception? Error;

        public void Drain()
        {
            int i;
            while ((i = Interlocked.Increment(ref Next) - 1) < Count)
            {
                try { Body(i); }
                catch (Exception e) { Interlocked.CompareExchange(ref Error, e, null); }
                Interlocked.Decrement(ref Pending);
            }
        }
    }

    static readonly object Gate = new();
    static readonly SemaphoreSlim Wake = new(0);
    // ~1 ms of spinning before sleeping: an inference loop calls back within that, and a sleeping
    // worker takes tens of microseconds to wake, more than a small op gains from it.
    static readonly long SpinTicks = Stopwatch.Frequency / 1000;
    static Job? current;
    static int sleepers, workerCount;
    [ThreadStatic] static bool insideJob;

    public static void Run(int tasks, Action<int> body)
    {
        if (insideJob || !Monitor.TryEnter(Gate))
        {
            for (int i = 0; i < tasks; i++) body(i);
            return;
        }
        try
        {
            EnsureWorkers(Threading.NumThreads - 1);
            var job = new Job(body, tasks);
            Interlocked.Exchange(ref current, job);
            int s = Volatile.Read(ref sleepers);
            if (s > 0) Wake.Release(Math.Min(s, tasks - 1));
            insideJob = true;
            try { job.Drain(); }
            finally { insideJob = false; }
            var spin = new SpinWait();
            while (Volatile.Read(ref job.Pending) > 0) spin.SpinOnce(sleep1Threshold: -1);
            if (job.Error is { } e) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        }
        finally { Monitor.Exit(Gate); }
    }

    static void EnsureWorkers(int wanted)
    {
        while (workerCount < wanted)
        {
            var t = new Thread(WorkerLoop) { IsBackground = true, Name = $"Ember worker {workerCount + 1}" };
            workerCount++;
            t.Start();
        }
    }

    static void WorkerLoop()
    {
        insideJob = true;
        Job? seen = null;
        while (true)
        {
            var job = WaitForJob(seen);
            seen = job;
            job.Drain();
        }
    }

    static Job WaitForJob(Job? seen)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            var job = Volatile.Read(ref current);
            if (job is not null && job != seen) return job;
            if (Stopwatch.GetTimestamp() - start < SpinTicks) { Thread.SpinWait(20); continue; }
            Interlocked.Increment(ref sleepers);
            job = Volatile.Read(ref current); // re-check after announcing sleep, so a wake-up is never missed
            if (job is null || job == seen) Wake.Wait();
            Interlocked.Decrement(ref sleepers);
            start = Stopwatch.GetTimestamp();
        }
    }
}
