using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>The conv modules (PyTorch's parameter names, shapes and init bounds) and the ops' argument checks.</summary>
public class ConvLayerTests
{
    static double MaxAbs(Tensor t) => t.ToArray<float>().Max(v => Math.Abs((double)v));

    [Fact]
    public void Conv2dHasTorchShapesNamesAndInitBounds()
    {
        var conv = new Conv2d(6, 8, 3, padding: 1, groups: 2, generator: new Generator(1));
        Assert.Equal(["weight", "bias"], conv.NamedParameters().Select(p => p.Name));
        Assert.Equal([8, 3, 3, 3], conv.Weight.Shape);
        Assert.Equal([8], conv.Bias!.Shape);
        double bound = 1 / Math.Sqrt(3 * 3 * 3);
        Assert.True(MaxAbs(conv.Weight) <= bound && MaxAbs(conv.Bias) <= bound);
        using var x = Tensor.Rand([2, 6, 5, 7]);
        using var y = conv.Forward(x);
        Assert.Equal([2, 8, 5, 7], y.Shape);
    }

    [Fact]
    public void Conv2dTakesPairsAndCanDropTheBias()
    {
        var conv = new Conv2d(3, 4, (3, 1), stride: (2, 1), padding: (1, 0), bias: false);
        Assert.Null(conv.Bias);
        Assert.Equal([4, 3, 3, 1], conv.Weight.Shape);
        using var x = Tensor.Rand([1, 3, 9, 4]);
        using var y = conv.Forward(x);
        Assert.Equal([1, 4, 5, 4], y.Shape);
    }

    [Fact]
    public void Conv1dAndConvTranspose2dHaveTorchShapes()
    {
        var c1 = new Conv1d(4, 6, 5, stride: 2, padding: 2);
        Assert.Equal([6, 4, 5], c1.Weight.Shape);
        using var x1 = Tensor.Rand([3, 4, 11]);
        using var y1 = c1.Forward(x1);
        Assert.Equal([3, 6, 6], y1.Shape);

        var ct = new ConvTranspose2d(4, 6, 3, stride: 2, padding: 1, outputPadding: 1, groups: 2);
        Assert.Equal([4, 3, 3, 3], ct.Weight.Shape);
        Assert.Equal([6], ct.Bias!.Shape);
        Assert.True(MaxAbs(ct.Weight) <= 1 / Math.Sqrt(3 * 3 * 3)); // fan_in from weight dim 1
        using var x2 = Tensor.Rand([2, 4, 5, 5]);
        using var y2 = ct.Forward(x2);
        Assert.Equal([2, 6, 10, 10], y2.Shape);
    }

    [Fact]
    public void NonContiguousInputsGiveTheSameResultAsContiguousOnes()
    {
        using var xt = Tensor.Rand([2, 5, 6, 3]);
        using var x = xt.Transpose(2, 3);        // [2, 5, 3, 6], a strided view
        using var xc = x.Contiguous().Clone();
        using var wt = Tensor.Rand([3, 4, 5, 3]);
        using var w = wt.Permute(0, 2, 1, 3);      // [3, 5, 4, 3]
        using var wc = w.Contiguous().Clone();
        using var y = Tensor.Conv2d(x, w, padding: [1]);
        using var yc = Tensor.Conv2d(xc, wc, padding: [1]);
        Assert.Equal(yc.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void EmptyBatchGivesEmptyOutputAndZeroWeightGradient()
    {
        using var x = Tensor.Zeros(0, 3, 5, 5);
        using var w = Tensor.Ones(2, 3, 3, 3);
        w.RequiresGrad = true;
        using var y = Tensor.Conv2d(x, w);
        Assert.Equal([0, 2, 3, 3], y.Shape);
        using var s = y.Sum();
        s.Backward();
        Assert.All(w.Grad!.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ErrorsNameTheOpAndTheShapes()
    {
        using var x = Tensor.Zeros(2, 3, 5, 5);
        using var w = Tensor.Zeros(8, 4, 3, 3);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w));
        Assert.Contains("Conv2d: input [2, 3, 5, 5] has 3 channels but the weight [8, 4, 3, 3] expects 4 (groups 1)", e.Message);

        using var big = Tensor.Zeros(8, 3, 7, 7);
        e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, big));
        Assert.Contains("smaller than the kernel", e.Message);

        using var w3 = Tensor.Zeros(4, 3, 3, 3);
        using var bias = Tensor.Zeros(5);
        e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w3, bias));
        Assert.Contains("bias [5] should be [4]", e.Message);

        using var xd = Tensor.Zeros([2, 3, 5, 5], DType.Float64);
        e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(xd, w3));
        Assert.Contains("same dtype", e.Message);

        e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x, w3, stride: [0]));
        Assert.Contains("stride must be at least 1", e.Message);

        using var wrongIn = Tensor.Zeros(4, 2, 3, 3);
        e = Assert.Throws<ArgumentException>(() => Tensor.ConvTranspose2d(x, wrongIn));
        Assert.Contains("ConvTranspose2d: input [2, 3, 5, 5] has 3 channels but the weight [4, 2, 3, 3] expects 4", e.Message);

        using var w6 = Tensor.Zeros(5, 1, 3, 3);
        using var x6 = Tensor.Zeros(1, 6, 5, 5);
        e = Assert.Throws<ArgumentException>(() => Tensor.Conv2d(x6, w6, groups: 6));
        Assert.Contains("groups 6 must divide", e.Message);

        using var wt = Tensor.Zeros(3, 2, 3, 3);
        e = Assert.Throws<ArgumentException>(() => Tensor.ConvTranspose2d(x, wt, stride: [2], outputPadding: [2]));
        Assert.Contains("outputPadding", e.Message);
    }
}
