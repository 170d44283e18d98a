namespace Ember.Data;

/// <summary>Anything with a count and an indexer can be read like a dataset.</summary>
public interface IDataset<out T>
{
    int Count { get; }
    T this[int index] { get; }
}

/// <summary>
/// A map-style dataset (torch.utils.data.Dataset): a fixed number of samples, each fetched by index.
/// Samples that hold tensors belong to the caller, who disposes them. With DataLoader workers, Get is called from
/// several threads at once, so it must not change shared state.
/// </summary>
public abstract class Dataset<T> : IDataset<T>
{
    /// <summary>How many samples there are.</summary>
    public abstract int Count { get; }

    /// <summary>The sample at <paramref name="index"/>, with any randomness drawn from a stream fixed by the index.</summary>
    public abstract T Get(int index);

    /// <summary>
    /// The sample at <paramref name="index"/>, drawing any randomness (augmentation) from <paramref name="generator"/>.
    /// The DataLoader calls this with a generator seeded from (seed, epoch, index), so results do not depend
    /// on which worker thread fetched the sample. Datasets without randomness need not override it.
    /// </summary>
    public virtual T Get(int index, Generator generator) => Get(index);

    public T this[int index] => Get(index);

    /// <summary>A dataset whose samples are this dataset's passed through <paramref name="map"/>.</summary>
    public Dataset<TOut> Map<TOut>(Func<T, Generator, TOut> map) => new MappedDataset<T, TOut>(this, map);

    /// <summary>Throws a clear error when <paramref name="index"/> is outside [0, Count).</summary>
    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"{GetType().Name}: index {index} is out of range for a dataset of {Count} samples.");
    }
}

/// <summary>Helpers over datasets (torch.utils.data's functions).</summary>
public static partial class Dataset
{
    /// <summary>A dataset of <paramref name="count"/> samples computed by <paramref name="get"/>.</summary>
    public static Dataset<T> FromFunc<T>(int count, Func<int, T> get) => new FuncDataset<T>(count, (i, _) => get(i));

    /// <summary>A dataset of <paramref name="count"/> samples computed by <paramref name="get"/> from the index and a per-sample generator.</summary>
    public static Dataset<T> FromFunc<T>(int count, Func<int, Generator, T> get) => new FuncDataset<T>(count, get);

    sealed class FuncDataset<T> : Dataset<T>
    {
        readonly int count;
        readonly Func<int, Generator, T> get;

        public FuncDataset(int count, Func<int, Generator, T> get)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count);
            this.count = count;
            this.get = get ?? throw new ArgumentNullException(nameof(get));
        }

        public override int Count => count;
        public override T Get(int index) => Get(index, SampleSeeds.Generator(0, 0, index));
        public override T Get(int index, Generator generator) { CheckIndex(index); return get(index, generator); }
    }
}
