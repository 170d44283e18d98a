using Xunit;

namespace Ember.Tests;

/// <summary>
/// Runs every case of fixtures/conv.json (PyTorch 1.13, see fixtures/make_conv_fixtures.py) on Ember:
/// the output of Conv1d / Conv2d / ConvTranspose2d and the gradients of (out * w).Sum() for input,
/// weight and bias.
/// </summary>
public class ConvFixtureTests
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("conv.json"));

    public static TheoryData<string> Cases => FixtureRunner.Names(cases.Value.Keys);

    /// <summary>Calls the op a case names with the case's params (Ember's parameter names).</summary>
    public static Tensor Run(FixtureCase c, Tensor[] x)
    {
        var p = c.Params;
        Tensor? bias = x.Length > 2 ? x[2] : null;
        int groups = p.IntOrNull("groups") ?? 1;
        return c.Op switch
        {
            "Conv2d" => Tensor.Conv2d(x[0], x[1], bias, p.IntsOrNull("stride"), p.IntsOrNull("padding"), p.IntsOrNull("dilation"), groups),
            "Conv1d" => Tensor.Conv1d(x[0], x[1], bias, p.IntsOrNull("stride"), p.IntsOrNull("padding"), p.IntsOrNull("dilation"), groups),
            "ConvTranspose2d" => Tensor.ConvTranspose2d(x[0], x[1], bias, p.IntsOrNull("stride"), p.IntsOrNull("padding"),
                p.IntsOrNull("outputPadding"), groups, p.IntsOrNull("dilation")),
            _ => throw new InvalidOperationException($"conv.json: unknown op {c.Op}"),
        };
    }

    static Tensor[] RunAll(FixtureCase c, Tensor[] x) => [Run(c, x)];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward(string name) => FixtureRunner.Forward(cases.Value[name], RunAll);

    /// <summary>Every input (input, weight and bias) requires grad and has a recorded gradient.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Gradient(string name) => FixtureRunner.Gradient(cases.Value[name], RunAll);

    [Theory]
    [MemberData(nameof(Cases))]
    public void GradientOfInputOnly(string name)
    {
        // Only the input requires grad: the weight gradient is skipped, and only the weight is saved.
        var c = cases.Value[name];
        var inputs = c.Inputs.Select(t => t.ToTensor()).ToArray();
        inputs[0].RequiresGrad = true;
        using var y = Run(c, inputs);
        using var w = c.Weights![0]!.ToTensor();
        using var prod = y * w;
        using var loss = prod.Sum();
        loss.Backward();
        FixtureAssert.Close(c.Grads![0]!, inputs[0].Grad!, c.UsesFloat32, $"{c} gradient of input 0");
        Assert.Null(inputs[1].Grad);
    }
}
