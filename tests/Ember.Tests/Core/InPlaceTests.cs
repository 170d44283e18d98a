using Ember;
using Xunit;

namespace Ember.Tests;

public class InPlaceTests
{
    [Fact]
    public void AddInPlaceBroadcastsAndScales()
    {
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, 2, 2);
        x.AddInPlace(Tensor.FromArray(new float[] { 10, 20 }), alpha: 0.5);
        Assert.Equal(new float[] { 6, 12, 8, 14 }, x.ToArray<float>());
    }

    [Fact]
    public void InPlaceWritesGoThroughViews()
    {
        var x = Tensor.Zeros(3, 4);
        x.Narrow(1, 1, 2).FillInPlace(5);
        x.Select(0, 2).CopyFrom(Tensor.FromArray(new float[] { 1, 2, 3, 4 }));
        Assert.Equal(new float[] { 0, 5, 5, 0, 0, 5, 5, 0, 1, 2, 3, 4 }, x.ToArray<float>());
        x.T.MulInPlace(2);
        Assert.Equal(new float[] { 0, 10, 10, 0, 0, 10, 10, 0, 2, 4, 6, 8 }, x.ToArray<float>());
    }

    [Fact]
    public void CopyFromCastsAndChecksShapes()
    {
        var x = Tensor.Zeros([2], DType.Float64);
        x.CopyFrom(Tensor.FromArray(new int[] { 3, 4 }));
        Assert.Equal(new double[] { 3, 4 }, x.ToArray<double>());
        var e = Assert.Throws<ArgumentException>(() => x.CopyFrom(Tensor.Ones(3)));
        Assert.Contains("CopyFrom", e.Message);
    }

    [Fact]
    public void InPlaceBumpsTheVersionSeenByAutograd()
    {
        var w = Tensor.FromArray(new double[] { 1, 2 });
        w.RequiresGrad = true;
        var y = w.Sigmoid(); // saves its output
        using (Autograd.NoGrad()) y.FillInPlace(0);
        Assert.Throws<InvalidOperationException>(() => y.Sum().Backward());
    }
}
