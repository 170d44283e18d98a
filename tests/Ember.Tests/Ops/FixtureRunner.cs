using Xunit;

namespace Ember.Tests;

/// <summary>
/// The shared steps of the fixture and finite-difference test classes: the theory data of case names,
/// comparing a case's forward outputs and gradients with PyTorch's, and running a gradient check.
/// </summary>
public static class FixtureRunner
{
    /// <summary>Theory data with one row per name.</summary>
    public static TheoryData<string> Names(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names) data.Add(name);
        return data;
    }

    public static TheoryData<string> Names(IEnumerable<FixtureCase> cases) => Names(cases.Select(c => c.Name));

    /// <summary>Runs the case on its inputs and compares every output with the recorded one.</summary>
    public static void Forward(FixtureCase c, Func<FixtureCase, Tensor[], Tensor[]> run)
    {
        var outputs = run(c, c.Inputs.Select(t => t.ToTensor()).ToArray());
        Assert.True(outputs.Length == c.Outputs.Length, $"{c}: {outputs.Length} outputs, expected {c.Outputs.Length}");
        for (int i = 0; i < outputs.Length; i++)
            FixtureAssert.Close(c.Outputs[i], outputs[i], c.UsesFloat32, $"{c} output {i}");
    }

    /// <summary>
    /// Back-propagates sum_i (out_i * w_i).Sum() from the case's weights and compares the gradient of every
    /// input that has a recorded one. With <paramref name="unreachedMayHaveNoGrad"/>, an input the loss does
    /// not reach may have no gradient, provided PyTorch's (recorded as zeros) is all zeros; otherwise every
    /// such input must have a gradient.
    /// </summary>
    public static void Gradient(FixtureCase c, Func<FixtureCase, Tensor[], Tensor[]> run, bool unreachedMayHaveNoGrad = false)
    {
        var inputs = c.Inputs.Select(t => t.ToTensor()).ToArray();
        for (int i = 0; i < inputs.Length; i++)
            if (c.Grads![i] is not null) inputs[i].RequiresGrad = true;

        var outputs = run(c, inputs);
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
            if (grad is null && unreachedMayHaveNoGrad)
            {
                Assert.True(expected.Values.All(v => v == 0), $"{c}: input {i} got no gradient");
                continue;
            }
            Assert.True(grad is not null, $"{c}: input {i} got no gradient");
            FixtureAssert.Close(expected, grad, c.UsesFloat32, $"{c} gradient of input {i}");
        }
    }
}

/// <summary>A finite-difference check: seeded Float64 inputs and the function whose gradient is checked.</summary>
public sealed record GradCheckCase(string Name, Func<OpsGradCheckTests.Inputs, Tensor[]> Make, Func<Tensor[], Tensor> F)
{
    public static GradCheckCase G(string name, Func<OpsGradCheckTests.Inputs, Tensor[]> make, Func<Tensor[], Tensor> f) => new(name, make, f);

    /// <summary>Finds the named case, makes its inputs (all Float64) and compares analytic with finite-difference gradients.</summary>
    public static void Check(IEnumerable<GradCheckCase> cases, string name)
    {
        var c = cases.Single(k => k.Name == name);
        var inputs = c.Make(new OpsGradCheckTests.Inputs(name));
        Assert.All(inputs, t => Assert.Equal(DType.Float64, t.DType));
        Assert.True(Autograd.GradCheck(c.F, inputs), $"{name}: analytic and finite-difference gradients differ");
    }
}
