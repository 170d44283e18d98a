using System.Text.Json;
using Ember.NN;
using Ember.Optim;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>Every optimizer against PyTorch: the parameters after each of several steps on seeded gradients.</summary>
public class OptimizerFixtureTests
{
    public static TheoryData<string> Cases => OptimFixtures.Names("optimizer");

    internal static List<Parameter> Params(JsonElement c)
        => c.GetProperty("params").EnumerateArray().Select(t => new Parameter(FixtureTensor.Parse(t).ToTensor())).ToList();

    /// <summary>Gives every parameter the case's gradient for <paramref name="step"/> (none where it has none).</summary>
    internal static void SetGrads(JsonElement c, IReadOnlyList<Parameter> ps, int step)
    {
        var row = c.GetProperty("grads")[step];
        for (int i = 0; i < ps.Count; i++)
            if (row[i].ValueKind != JsonValueKind.Null) ps[i].Grad = FixtureTensor.Parse(row[i]).ToTensor();
    }

    internal static Optimizer Make(JsonElement c, IReadOnlyList<Parameter> ps)
        => OptimFixtures.MakeOptimizer(c.GetProperty("optimizer").GetString()!, c.GetProperty("options"), OptimFixtures.Groups(c, ps));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = OptimFixtures.Get(name);
        var ps = Params(c);
        var opt = Make(c, ps);
        var expected = c.GetProperty("expected");
        for (int step = 0; step < expected.GetArrayLength(); step++)
        {
            opt.ZeroGrad();
            SetGrads(c, ps, step);
            opt.Step();
            for (int i = 0; i < ps.Count; i++)
                Close(FixtureTensor.Parse(expected[step][i]), ps[i], $"{name}: parameter {i} after step {step + 1}");
        }
    }

    /// <summary>
    /// Float32 within 1e-6 relative, plus 1e-7 absolute for values that cancel to near zero (PyTorch fuses
    /// some multiply-adds that Ember rounds twice; the values are of order 1); Float64 within 1e-12.
    /// </summary>
    internal static void Close(FixtureTensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.DType, actual.DType);
        var got = FixtureAssert.Values(actual);
        double rtol = expected.DType == DType.Float32 ? 1e-6 : 1e-12, atol = expected.DType == DType.Float32 ? 1e-7 : 1e-14;
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected.Values[i];
            Assert.True(Math.Abs(got[i] - e) <= atol + rtol * Math.Abs(e), $"{what}: element {i} is {got[i]:R}, PyTorch has {e:R}");
        }
    }
}
