using Xunit;

namespace Ember.Tests;

/// <summary>
/// Runs every case of fixtures/ops.json (PyTorch 1.13 results, see fixtures/make_fixtures.py) on Ember:
/// the forward outputs, and for differentiable cases the gradients of sum_i (out_i * w_i).Sum().
/// </summary>
public class OpsFixtureTests
{
    public static TheoryData<string> ForwardCases => FixtureRunner.Names(OpFixtures.All);
    public static TheoryData<string> GradientCases => FixtureRunner.Names(OpFixtures.All.Where(c => c.HasGrads));

    [Fact]
    public void FixtureIsPresentAndEveryOpIsDispatched()
    {
        Assert.True(File.Exists(OpFixtures.FixturePath), $"missing {OpFixtures.FixturePath}");
        var unknown = OpFixtures.All.Select(c => c.Op).Distinct().Where(op => !OpDispatch.Knows(op)).ToArray();
        Assert.True(unknown.Length == 0, "ops without a dispatch entry: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name) => FixtureRunner.Forward(OpFixtures.Get(name), OpDispatch.Run);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name)
        // An input the loss does not reach has no gradient; PyTorch's is recorded as zeros.
        => FixtureRunner.Gradient(OpFixtures.Get(name), OpDispatch.Run, unreachedMayHaveNoGrad: true);
}
