using Xunit;

namespace Ember.Tests.Data;

/// <summary>Tests that measure time run alone, after the parallel ones, so other tests' work does not count.</summary>
[CollectionDefinition("Data timing", DisableParallelization = true)]
public sealed class TimingCollection;

[Collection("Data timing")]
public class DataTimingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void AugmentingAFashionMnistSizedEpochIsFast() => TransformTests.TimeAugmentation(output);

    [Fact]
    public void WorkersOverlapSlowLoadingWithSlowTraining() => LoaderTests.TimeOverlap();
}
