using Ember;
using Xunit;

namespace Ember.Tests;

public class AutogradTests
{
    static Tensor Leaf(params double[] values)
    {
        var t = Tensor.FromArray(values);
        t.RequiresGrad = true;
        return t;
    }

    [Fact]
    public void GradientsAccumulateAcrossBackwardCalls()
    {
        var x = Leaf(1, 2, 3);
        (x * x).Sum().Backward();
        (x * 3.0).Sum().Backward();
        Assert.Equal(new[] { 5.0, 7.0, 9.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void BroadcastGradientsAreSummedToTheInputShape()
    {
        var a = Tensor.FromArray(new double[] { 1, 2, 3 }, 3, 1); a.RequiresGrad = true;
        var b = Tensor.FromArray(new double[] { 10, 20 }, 2); b.RequiresGrad = true;
        (a * b).Sum().Backward();
        Assert.Equal(new[] { 3, 1 }, a.Grad!.Shape);
        Assert.Equal(new[] { 30.0, 30.0, 30.0 }, a.Grad.ToArray<double>());
        Assert.Equal(new[] { 6.0, 6.0 }, b.Grad!.ToArray<double>());
    }

    [Fact]
    public void SharedSubexpressionsGetTheSumOfTheirGradients()
    {
        var x = Leaf(2);
        var y = x * x;          // 4
        var z = y * y + y;      // y² + y → dz/dx = (2y + 1)·2x = 9·4 = 36
        z.Sum().Backward();
        Assert.Equal(36.0, x.Grad!.Item<double>(), 12);
    }

    [Fact]
    public void BackwardTwiceWithoutRetainGraphFailsClearly()
    {
        var x = Leaf(1, 2);
        var y = (x.Exp() * 2.0).Sum();
        y.Backward();
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("retainGraph", e.Message);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackward()
    {
        var x = Leaf(1, 2);
        var y = x.Exp().Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        Assert.Equal(new[] { 2 * Math.E, 2 * Math.Exp(2) }, x.Grad!.ToArray<double>(), new ToleranceComparer(1e-14));
    }

    [Fact]
    public void NonScalarBackwardNeedsAGradient()
    {
        var x = Leaf(1, 2);
        var y = x * 2.0;
        var e = Assert.Throws<InvalidOperationException>(() => y.Backward());
        Assert.Contains("[2]", e.Message);
        y.Backward(Tensor.FromArray(new double[] { 1, 10 }));
        Assert.Equal(new[] { 2.0, 20.0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void OnlyLeavesKeepGradients()
    {
        var x = Leaf(1, 2);
        var y = x * 2.0;
        y.Sum().Backward();
        Assert.True(x.IsLeaf);
        Assert.False(y.IsLeaf);
        Assert.Null(y.Grad);
        Assert.NotNull(x.Grad);
    }

    [Fact]
    public void NoGradStopsRecording()
    {
        var x = Leaf(1, 2);
        Tensor y;
        using (Autograd.NoGrad()) y = x * 2.0;
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
        Assert.True(Autograd.IsGradEnabled);
    }

    [Fact]
    public void DetachCutsTheGraphButSharesData()
    {
        var x = Leaf(1, 2);
        var d = x.Detach();
        Assert.False(d.RequiresGrad);
        using (Autograd.NoGrad()) x.AddInPlace(Tensor.FromArray(new double[] { 1, 1 }));
        Assert.Equal(new[] { 2.0, 3.0 }, d.ToArray<double>());
    }

    [Fact]
    public void InPlaceChangeOfASavedTensorIsReported()
    {
        var x = Leaf(1, 2);
        var y = x * 1.0;       // non-leaf
        var z = y.Exp();       // saves its output
        using (Autograd.NoGrad()) z.MulInPlace(2);
        var e = Assert.Throws<InvalidOperationException>(() => z.Sum().Backward());
        Assert.Contains("modified in place", e.Message);
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradNeedsNoGrad()
    {
        var x = Leaf(1, 2);
        var e = Assert.Throws<InvalidOperationException>(() => x.AddInPlace(Tensor.FromArray(new double[] { 1, 1 })));
        Assert.Contains("NoGrad", e.Message);
    }

    [Fact]
    public void DeepGraphsDoNotOverflowTheStack()
    {
        var x = Leaf(1);
        var y = x;
        for (int i = 0; i < 20000; i++) y = y * 1.0001;
        y.Sum().Backward();
        Assert.Equal(Math.Pow(1.0001, 20000), x.Grad!.Item<double>(), 6);
    }

    [Fact]
    public void GradReturnsGradientsWithoutTouchingGrad()
    {
        var x = Leaf(1, 2, 3);
        var y = (x * x).Sum();
        var g = Autograd.Grad([y], [x]);
        Assert.Equal(new[] { 2.0, 4.0, 6.0 }, g[0]!.ToArray<double>());
        Assert.Null(x.Grad);
    }

    [Fact]
    public void IntegerTensorsCannotRequireGrad()
    {
        var t = Tensor.FromArray(new long[] { 1, 2 });
        Assert.Throws<InvalidOperationException>(() => t.RequiresGrad = true);
    }

    sealed class Cube : CustomFunction
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] x)
        {
            ctx.SaveForBackward(x[0]);
            return x[0] * x[0] * x[0];
        }
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g)
        {
            var x = ctx.Saved[0];
            return [g * x * x * 3.0];
        }
    }

    [Fact]
    public void CustomFunctionsTakePartInBackward()
    {
        var x = Leaf(1, 2);
        var y = new Cube().Apply(x);
        Assert.Equal(new[] { 1.0, 8.0 }, y.ToArray<double>());
        (y * 2.0).Sum().Backward();
        Assert.Equal(new[] { 6.0, 24.0 }, x.Grad!.ToArray<double>());
        Assert.True(Autograd.GradCheck(t => new Cube().Apply(t[0]), [Leaf(0.5, -1.5, 2)]));
    }

    [Fact]
    public void GradCheckCatchesAWrongBackward()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Autograd.GradCheck(t => new WrongSquare().Apply(t[0]), [Leaf(1, 2)]));
        Assert.Contains("finite differences", e.Message);
    }

    sealed class WrongSquare : CustomFunction
    {
        protected override Tensor Forward(FunctionContext ctx, Tensor[] x) { ctx.SaveForBackward(x[0]); return x[0] * x[0]; }
        protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g * ctx.Saved[0]]; // missing the factor 2
    }

    [Fact]
    public void SavedTensorsSurviveTheCallerDisposingItsTensors()
    {
        var x = Leaf(1, 2);
        var y = x.Exp();
        var z = y * y;
        y.Dispose();
        z.Sum().Backward();
        Assert.Equal(new[] { 2 * Math.Exp(2), 2 * Math.Exp(4) }, x.Grad!.ToArray<double>(), new ToleranceComparer(1e-12));
    }
}

sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= tol * Math.Max(1, Math.Abs(b));
    public int GetHashCode(double x) => 0;
}
