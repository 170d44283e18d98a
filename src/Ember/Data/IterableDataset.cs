using System.Collections;

namespace Ember.Data;

/// <summary>
/// An iterable-style dataset (torch.utils.data.IterableDataset): a stream of samples with no random
/// access, such as lines read from a file. The DataLoader batches it in order; it cannot be shuffled or sampled.
/// </summary>
public abstract class IterableDataset<T> : IEnumerable<T>
{
    /// <summary>The samples of one pass, in order.</summary>
    public abstract IEnumerator<T> GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>An iterable dataset over <paramref name="source"/>, enumerated afresh each epoch.</summary>
    public static IterableDataset<T> From(IEnumerable<T> source) => new EnumerableDataset(source ?? throw new ArgumentNullException(nameof(source)));

    sealed class EnumerableDataset(IEnumerable<T> source) : IterableDataset<T>
    {
        public override IEnumerator<T> GetEnumerator() => source.GetEnumerator();
    }
}
