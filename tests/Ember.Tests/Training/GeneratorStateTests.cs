using Ember;
using Xunit;

namespace Ember.Tests.Training;

public class GeneratorStateTests
{
    [Fact]
    public void SetStateContinuesTheStreamExactlyIncludingAKeptNormal()
    {
        var g = new Generator(42);
        g.NextUInt64();
        g.NextNormal(); // leaves the pair's second value kept
        var state = g.GetState();
        Assert.Equal(1UL, state[4]);
        var expected = new[] { g.NextNormal(), g.NextDouble(), g.NextNormal() };

        var h = new Generator(0);
        h.SetState(state);
        Assert.Equal(expected, new[] { h.NextNormal(), h.NextDouble(), h.NextNormal() });
    }

    [Fact]
    public void BadStatesAreRefused()
    {
        var g = new Generator(1);
        Assert.Contains("expected 6", Assert.Throws<ArgumentException>(() => g.SetState([1, 2, 3])).Message);
        Assert.Contains("all zero", Assert.Throws<ArgumentException>(() => g.SetState([0, 0, 0, 0, 0, 0])).Message);
        Assert.Contains("0 or 1", Assert.Throws<ArgumentException>(() => g.SetState([1, 2, 3, 4, 5, 0])).Message);
    }
}
