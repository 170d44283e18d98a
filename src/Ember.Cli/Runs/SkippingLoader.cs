using System.Collections;
using Ember.Data;

namespace Ember.Cli.Runs;

/// <summary>
/// A training loader for a run resumed mid-epoch: in epoch <c>epoch</c> it leaves out the first <c>skip</c>
/// batches, which the interrupted run already trained on. A loader's order is a function of its seed and the
/// epoch, so the batches that remain are exactly those the uninterrupted run would have seen.
/// </summary>
internal sealed class SkippingLoader(DataLoader inner, long epoch, int skip) : IEnumerable<Batch>, IEpochLoader
{
    long next;

    /// <summary>The trainer sets each epoch before enumerating it (see Trainer.Fit).</summary>
    public void SetEpoch(long value)
    {
        inner.SetEpoch(value);
        next = value;
    }

    /// <summary>The inner loader's seed, which the trainer checks against the run's.</summary>
    public ulong Seed => inner.Seed;

    public long Epoch => next;

    /// <summary>Batches in the epoch about to run.</summary>
    public int? BatchCount => next == epoch ? Math.Max(0, inner.Count - skip) : inner.Count;

    public IEnumerator<Batch> GetEnumerator() => Batches(next++ == epoch ? skip : 0);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    IEnumerator<Batch> Batches(int toSkip)
    {
        using var batches = inner.GetEnumerator();
        while (batches.MoveNext())
        {
            if (toSkip > 0)
            {
                toSkip--;
                batches.Current.Dispose();
                continue;
            }
            yield return batches.Current;
        }
    }
}
