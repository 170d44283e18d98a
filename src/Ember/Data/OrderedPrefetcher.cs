using System.Runtime.ExceptionServices;

namespace Ember.Data;

/// <summary>
/// Runs <c>produce(k)</c> for k = 0, 1, … on background threads, at most <c>window</c> items ahead of the
/// consumer, and hands the results out strictly in order of k (a reorder buffer), so the sequence does not
/// depend on the number of threads or their timing. Dispose stops and joins the threads and disposes
/// results that were never taken.
/// </summary>
internal sealed class OrderedPrefetcher<T> : IDisposable
{
    public delegate bool Producer(int k, out T value);

    readonly Producer produce;
    readonly int window;
    readonly object gate = new();
    readonly Dictionary<int, (T Value, ExceptionDispatchInfo? Error)> ready = [];
    readonly Thread[] threads;
    int count;           // items in the sequence; int.MaxValue until the producer reports the end
    int nextToClaim, nextToTake;
    bool stopped;
    int alive;

    public OrderedPrefetcher(Producer produce, int count, int threadCount, int window, string name)
    {
        this.produce = produce;
        this.count = count;
        this.window = Math.Max(window, threadCount);
        threads = new Thread[threadCount];
        for (int t = 0; t < threadCount; t++)
        {
            threads[t] = new Thread(Work) { IsBackground = true, Name = $"{name} {t}" };
            Interlocked.Increment(ref alive);
            threads[t].Start();
        }
    }

    /// <summary>Threads still running (0 once disposed).</summary>
    public int AliveThreads => Volatile.Read(ref alive);

    /// <summary>Items produced or being produced so far.</summary>
    public int Claimed { get { lock (gate) return nextToClaim; } }

    void Work()
    {
        try
        {
            while (true)
            {
                int k;
                lock (gate)
                {
                    while (!stopped && nextToClaim < count && nextToClaim >= nextToTake + window) Monitor.Wait(gate);
                    if (stopped || nextToClaim >= count) return;
                    k = nextToClaim++;
                }
                T value = default!;
                ExceptionDispatchInfo? error = null;
                bool has;
                try { has = produce(k, out value); }
                catch (Exception e) { has = true; error = ExceptionDispatchInfo.Capture(e); }
                lock (gate)
                {
                    if (!has) { count = Math.Min(count, k); Monitor.PulseAll(gate); return; }
                    if (stopped) { DisposeValue(value); return; }
                    ready[k] = (value, error);
                    Monitor.PulseAll(gate);
                }
            }
        }
        finally { Interlocked.Decrement(ref alive); }
    }

    /// <summary>The next item in order; false at the end of the sequence. Rethrows the producer's exception.</summary>
    public bool TryTake(out T value)
    {
        lock (gate)
        {
            while (true)
            {
                ObjectDisposedException.ThrowIf(stopped, this);
                if (ready.Remove(nextToTake, out var item))
                {
                    nextToTake++;
                    Monitor.PulseAll(gate);
                    item.Error?.Throw();
                    value = item.Value;
                    return true;
                }
                if (nextToTake >= count) { value = default!; return false; }
                Monitor.Wait(gate);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            if (stopped) return;
            stopped = true;
            Monitor.PulseAll(gate);
        }
        foreach (var t in threads) t.Join();
        foreach (var item in ready.Values) DisposeValue(item.Value);
        ready.Clear();
    }

    static void DisposeValue(T value)
    {
        if (value is IDisposable d) d.Dispose();
    }
}
