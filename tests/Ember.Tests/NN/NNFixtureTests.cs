using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>
/// Embedding (padding row, negative padding index, max-norm renormalisation in place, gradient scaled by
/// frequency) and Bilinear against PyTorch 1.13, forward and backward (fixtures/nn.json).
/// </summary>
public class NNFixtureTests
{
    public static TheoryData<string> ForwardCases => FixtureRunner.Names(NNFixtures.Cases);
    public static TheoryData<string> GradientCases => FixtureRunner.Names(NNFixtures.Cases.Where(c => c.HasGrads));

    static Tensor[] Run(FixtureCase c, Tensor[] x)
    {
        var p = c.Params;
        switch (c.Op)
        {
            case "Embedding":
            {
                double? maxNorm = p.FloatOrNull("maxNorm");
                var y = F.Embedding(x[0], x[1], p.IntOrNull("paddingIdx"), maxNorm, p.Float("normType"), p.Bool("scaleGradByFreq"));
                // With maxNorm the weight itself changes: its new value is the second output.
                return maxNorm is null ? [y] : [y, x[1].Detach()];
            }
            case "Bilinear":
                return [F.Bilinear(x[0], x[1], x[2], p.Bool("hasBias") ? x[3] : null)];
            default:
                throw new KeyNotFoundException($"nn.json: no runner for op '{c.Op}'");
        }
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name) => FixtureRunner.Forward(NNFixtures.Case(name), Run);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name) => FixtureRunner.Gradient(NNFixtures.Case(name), Run);

    [Fact]
    public void TheFixtureFileHasEveryKindOfCase()
    {
        var ops = NNFixtures.Cases.GroupBy(c => c.Op).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(ops["Embedding"] >= 10 && ops["Bilinear"] >= 5);
    }
}
