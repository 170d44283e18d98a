using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>Dropout, Dropout1d and Dropout2d: statistics, scaling, evaluation mode, seeding, gradients and argument checks.</summary>
public class DropoutTests
{
    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void TrainingZeroesAboutPAndScalesTheRest(double p)
    {
        using var x = Tensor.Full([100_000], 2f);
        var layer = new Dropout(p, new Generator(1));
        using var y = layer.Forward(x);
        var v = y.ToArray<float>();
        double zeros = v.Count(a => a == 0) / (double)v.Length;
        Assert.InRange(zeros, p - 0.01, p + 0.01);
        Assert.All(v, a => Assert.True(a == 0 || a == (float)(2 / (1 - p)), $"unexpected value {a}"));
        // Inverted dropout keeps the expected value.
        Assert.InRange(v.Average(a => (double)a), 1.96, 2.04);
    }

    [Fact]
    public void EvaluationPassesTheInputThrough()
    {
        var layer = new Dropout(0.5, new Generator(2));
        layer.Eval();
        using var x = Tensor.Randn([3, 4], new Generator(3), requiresGrad: true);
        using var y = layer.Forward(x);
        Assert.Equal(x.ToArray<float>(), y.ToArray<float>());
        using (var s = y.Sum()) s.Backward();
        Assert.All(x.Grad!.ToArray<float>(), g => Assert.Equal(1f, g));
    }

    [Fact]
    public void BackwardReusesTheForwardMask()
    {
        using var x = Tensor.Randn([50, 40], new Generator(4), requiresGrad: true);
        using var y = F.Dropout(x, 0.3, true, new Generator(5));
        using (var s = y.Sum()) s.Backward();
        var yv = y.ToArray<float>();
        var gv = x.Grad!.ToArray<float>();
        for (int i = 0; i < yv.Length; i++)
            Assert.Equal(yv[i] == 0 ? 0f : (float)(1 / 0.7), gv[i]);
        Assert.Contains(0f, gv);
    }

    [Fact]
    public void TheSameSeedGivesTheSameMask()
    {
        using var x = Tensor.Ones(1000);
        using var a = new Dropout(0.5, new Generator(6)).Forward(x);
        using var b = new Dropout(0.5, new Generator(6)).Forward(x);
        using var c = new Dropout(0.5, new Generator(7)).Forward(x);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.NotEqual(a.ToArray<float>(), c.ToArray<float>());
    }

    [Fact]
    public void ZeroAndOneAreTheEdges()
    {
        using var x = Tensor.Randn([10, 10], new Generator(8));
        using var kept = F.Dropout(x, 0);
        Assert.Equal(x.ToArray<float>(), kept.ToArray<float>());
        using var dropped = F.Dropout(x, 1);
        Assert.All(dropped.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Dropout2dZeroesWholeChannels()
    {
        using var x = Tensor.Ones(8, 16, 3, 5);
        using var y = new Dropout2d(0.5, new Generator(9)).Forward(x);
        var v = y.ToArray<float>();
        int zeroChannels = 0;
        for (int ch = 0; ch < 8 * 16; ch++)
        {
            var plane = v.Skip(ch * 15).Take(15).ToArray();
            Assert.True(plane.All(a => a == 0) || plane.All(a => a == 2), $"channel {ch} is partly dropped");
            if (plane[0] == 0) zeroChannels++;
        }
        Assert.InRange(zeroChannels, 40, 88);
    }

    [Fact]
    public void Dropout1dTakesUnbatchedInputAndDropsRows()
    {
        using var x = Tensor.Ones(20, 6);
        using var y = new Dropout1d(0.5, new Generator(10)).Forward(x);
        Assert.Equal([20, 6], y.Shape);
        var v = y.ToArray<float>();
        for (int c = 0; c < 20; c++)
        {
            var row = v.Skip(c * 6).Take(6).ToArray();
            Assert.True(row.All(a => a == row[0]));
        }
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void ProbabilitiesOutsideZeroToOneAreRejected(double p)
    {
        var e = Assert.Throws<ArgumentException>(() => new Dropout(p));
        Assert.Contains("Dropout", e.Message);
        Assert.Throws<ArgumentException>(() => new Dropout2d(p));
        using var x = Tensor.Ones(2, 2);
        Assert.Throws<ArgumentException>(() => F.Dropout(x, p));
    }

    [Fact]
    public void BadInputsAreClearErrors()
    {
        var e = Assert.Throws<ArgumentException>(() => F.Dropout2d(Tensor.Ones(2, 3)));
        Assert.Contains("Dropout2d", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => F.Dropout1d(Tensor.Ones(2, 3, 4, 5)));
        var i = Assert.Throws<ArgumentException>(() => F.Dropout(Tensor.Zeros([3], DType.Int64)));
        Assert.Contains("Int64", i.Message);
    }

    [Fact]
    public void Float64InputsGetAFloat64Mask()
    {
        using var x = Tensor.Ones([100], DType.Float64);
        using var y = F.Dropout(x, 0.25, true, new Generator(11));
        Assert.Equal(DType.Float64, y.DType);
        Assert.All(y.ToArray<double>(), v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.75) < 1e-15));
    }
}
