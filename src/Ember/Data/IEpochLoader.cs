namespace Ember.Data;

/// <summary>
/// A loader whose order is a function of (seed, epoch), so a training loop can resume it exactly and
/// show progress: implemented by <see cref="DataLoader{TSample, TBatch}"/>; implement it on a loader of
/// your own to get the same from <c>Ember.Training.Trainer</c>.
/// </summary>
public interface IEpochLoader
{
    /// <summary>The seed of the shuffle and of the per-sample generators.</summary>
    ulong Seed { get; }

    /// <summary>The epoch the next enumeration runs.</summary>
    long Epoch { get; }

    /// <summary>Sets the epoch the next enumeration runs.</summary>
    void SetEpoch(long epoch);

    /// <summary>Batches per epoch, or null when unknown (an iterable dataset).</summary>
    int? BatchCount { get; }
}
