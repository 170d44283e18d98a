namespace Ember.Data;

/// <summary>
/// Chooses which dataset indices an epoch visits, and in what order (torch.utils.data.Sampler). Random samplers
/// derive each epoch's order from (seed, epoch) alone, so a resumed run that sets the epoch sees the same order.
/// </summary>
public abstract class Sampler
{
    /// <summary>How many indices one epoch yields.</summary>
    public abstract int Count { get; }

    /// <summary>The indices of epoch <paramref name="epoch"/>.</summary>
    public abstract IEnumerable<int> Indices(long epoch);

    /// <summary>The seed of a random sampler: the one given, or one drawn once from the default generator.</summary>
    protected static ulong SeedOrDefault(ulong? seed, Generator? generator)
        => seed ?? (generator ?? Generator.Default).NextUInt64();
}

/// <summary>0, 1, …, count-1 in order, every epoch.</summary>
public sealed class SequentialSampler : Sampler
{
    readonly int count;

    public SequentialSampler(int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), $"SequentialSampler: count {count} must not be negative.");
        this.count = count;
    }

    public override int Count => count;

    public override IEnumerable<int> Indices(long epoch) => Enumerable.Range(0, count);
}
