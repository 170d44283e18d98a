using System.Text.Json;
using Ember.NN;
using Ember.Optim;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>ClipGradNorm and ClipGradValue against torch.nn.utils.clip_grad_norm_ / clip_grad_value_.</summary>
public class GradClippingTests
{
    public static TheoryData<string> Cases => OptimFixtures.Names("clip");

    [Theory, MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = OptimFixtures.Get(name);
        var o = c.GetProperty("options");
        var grads = c.GetProperty("grads").EnumerateArray().ToArray();
        var ps = grads.Select(g => g.ValueKind == JsonValueKind.Null
            ? new Parameter(Tensor.Zeros(1))
            : MakeParam(FixtureTensor.Parse(g))).ToList();
        if (c.GetProperty("op").GetString() == "ClipGradNorm")
        {
            double normType = o.TryGetProperty("normType", out var nt) ? FixtureTensor.ParseNumber(nt) : 2;
            double total = GradClipping.ClipGradNorm(ps, o.GetProperty("maxNorm").GetDouble(), normType);
            double expectedTotal = c.GetProperty("total_norm").GetDouble();
            Assert.True(Math.Abs(total - expectedTotal) <= 2e-6 * expectedTotal, $"{name}: total norm {total:R}, PyTorch has {expectedTotal:R}");
        }
        else GradClipping.ClipGradValue(ps, o.GetProperty("clipValue").GetDouble());
        var expected = c.GetProperty("expected");
        for (int i = 0; i < ps.Count; i++)
        {
            if (expected[i].ValueKind == JsonValueKind.Null) { Assert.Null(ps[i].Grad); continue; }
            OptimizerFixtureTests.Close(FixtureTensor.Parse(expected[i]), ps[i].Grad!, $"{name}: gradient {i}");
        }
    }

    static Parameter MakeParam(FixtureTensor grad)
    {
        var g = grad.ToTensor();
        var p = new Parameter(Tensor.Zeros(grad.Shape, grad.DType)) { Grad = g };
        return p;
    }

    [Fact]
    public void NonContiguousGradientsAreClippedToo()
    {
        var p = new Parameter(Tensor.Zeros(3, 2));
        p.Grad = Tensor.FromArray(new float[] { 3, -4, 0, 0, 1, 2 }, 2, 3).Transpose(0, 1);
        double total = GradClipping.ClipGradNorm([p], 1.0);
        Assert.Equal(Math.Sqrt(30), total, 1e-6);
        float k = (float)(1 / (Math.Sqrt(30) + 1e-6));
        var got = p.Grad!.ToArray<float>();
        Assert.Equal(new[] { 3 * k, 0, -4 * k, 1 * k, 0, 2 * k }, got);
        GradClipping.ClipGradValue([p], 0.2);
        Assert.All(p.Grad!.ToArray<float>(), v => Assert.InRange(v, -0.2f, 0.2f));
    }

    [Fact]
    public void NonFiniteNormsAreReportedOnRequest()
    {
        var p = new Parameter(Tensor.Zeros(3)) { Grad = Tensor.FromArray(new float[] { 1, float.NaN, 2 }, 3) };
        var e = Assert.Throws<InvalidOperationException>(() => GradClipping.ClipGradNorm([p], 1.0, errorIfNonfinite: true));
        Assert.Contains("ClipGradNorm: the total norm of order 2 of the gradients of 1 parameter(s) is NaN", e.Message);
        Assert.True(double.IsNaN(GradClipping.ClipGradNorm([p], 1.0)));
        Assert.All(p.Grad!.ToArray<float>(), v => Assert.True(float.IsNaN(v)));
    }

    [Fact]
    public void NoGradientsGiveZeroAndBadArgumentsThrow()
    {
        var p = new Parameter(Tensor.Zeros(3));
        Assert.Equal(0, GradClipping.ClipGradNorm([p], 1.0));
        Assert.Contains("ClipGradNorm: maxNorm must be non-negative, got -1", Assert.Throws<ArgumentOutOfRangeException>(() => GradClipping.ClipGradNorm([p], -1)).Message);
        Assert.Contains("ClipGradNorm: normType must be positive or infinity, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => GradClipping.ClipGradNorm([p], 1, 0)).Message);
        Assert.Contains("ClipGradValue: clipValue must be non-negative, got -0.5", Assert.Throws<ArgumentOutOfRangeException>(() => GradClipping.ClipGradValue([p], -0.5)).Message);
    }
}
