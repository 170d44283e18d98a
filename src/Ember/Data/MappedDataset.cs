namespace Ember.Data;

/// <summary>A dataset whose samples are another dataset's passed through a function (e.g. a transform).</summary>
public sealed class MappedDataset<TIn, TOut>(Dataset<TIn> source, Func<TIn, Generator, TOut> map) : Dataset<TOut>
{
    readonly Dataset<TIn> source = source ?? throw new ArgumentNullException(nameof(source));
    readonly Func<TIn, Generator, TOut> map = map ?? throw new ArgumentNullException(nameof(map));

    public override int Count => source.Count;

    public override TOut Get(int index) => Get(index, SampleSeeds.Generator(0, 0, index));

    public override TOut Get(int index, Generator generator) => map(source.Get(index, generator), generator);
}
