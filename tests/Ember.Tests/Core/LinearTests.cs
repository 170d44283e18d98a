using Ember;
using Xunit;

namespace Ember.Tests;

public class LinearTests
{
    static Tensor R(params int[] shape)
    {
        var t = Tensor.Randn(shape, new Generator((ulong)shape.Sum() * 7919)).To(DType.Float64);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void GradCheckWithBias() => Assert.True(Autograd.GradCheck(t => Tensor.Linear(t[0], t[1], t[2]), [R(3, 4), R(5, 4), R(5)]));

    [Fact]
    public void GradCheckWithoutBiasOnA3dInput() => Assert.True(Autograd.GradCheck(t => Tensor.Linear(t[0], t[1]), [R(2, 3, 4), R(5, 4)]));

    [Fact]
    public void BadShapesNameTheOp()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Ones(2, 3), Tensor.Ones(4, 5)));
        Assert.Contains("Linear", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Linear(Tensor.Ones(2, 5), Tensor.Ones(4, 5), Tensor.Ones(3)));
    }
}
