using Xunit;

namespace Ember.Tests;

/// <summary>
/// Runs every case of fixtures/ops.json (PyTorch 1.13 results, see fixtures/make_fixtures.py) on Ember:
/// the forward outputs, and for differentiable cases the gradients of sum_i (out_i * w_i).Sum().
/// </summary>
public class OpsFixtureTests
{
    public static TheoryData<string> ForwardCases => Names(OpFixtures.All);
    public static TheoryData<string> GradientCases => Names(OpFixtures.All.Where(c => c.HasGrads));

    static TheoryData<string> Names(IEnumerable<FixtureCase> cases)
    {
        var data = new TheoryData<string>();
        foreach (var c in cases) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void FixtureIsPresentAndEveryOpIsDispatched()
    {
        Assert.True(File.Exists(OpFixtures.FixturePath), $"missing {OpFixtures.FixturePath}");
        var unknown = OpFixtures.All.Select(c => c.Op).Distinct().Where(op => !OpDispatch.Knows(op)).ToArray();
        Assert.True(unknown.Length == 0, "ops without a dispatch entry: " + string.Join(", ", unknown));
    }

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name)
    {
        var c = OpFixtures.Get(name);
        var outputs = OpDispatch.Run(c, c.Inputs.Select(t => t.ToTensor()).ToArray());

        Assert.True(outputs.Length == c.Outputs.Length, $"{c}: {outputs.Length} outputs, expected {c.Outputs.Length}");
        for (int i = 0; i < outputs.Length; i++)
            FixtureAssert.Close(c.Outputs[i], outputs[i], c.UsesFloat32, $"{c} output {i}");
    }

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name)
    {
        var c = OpFixtures.Get(name);
        var inputs = c.Inputs.Select(t => t.ToTensor()).ToArray();
        for (int i = 0; i < inputs.Length; i++)
            if (c.Grads![i] is not null) inputs[i].RequiresGrad = true;

        var outputs = OpDispatch.Run(c, inputs);
        Tensor? loss = null;
        for (int i = 0; i < outputs.Length; i++)
        {
            if (c.Weights![i] is not { } w) continue;
            var term = (outputs[i] * w.ToTensor()).Sum();
            loss = loss is null ? term : loss + term;
        }
        Assert.NotNull(loss);
        loss.Backward();

        for (int i = 0; i < inputs.Length; i++)
        {
            if (c.Grads![i] is not { } expected) continue;
            var grad = inputs[i].Grad;
            if (grad is null)
            {
                // An input the loss does not reach has no gradient; PyTorch's is recorded as zeros.
                Assert.True(expected.Values.All(v => v == 0), $"{c}: input {i} got no gradient");
                continue;
            }
            FixtureAssert.Close(expected, grad, c.UsesFloat32, $"{c} gradient of input {i}");
        }
    }
}
