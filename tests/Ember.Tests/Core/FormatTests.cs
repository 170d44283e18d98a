using Xunit;

namespace Ember.Tests;

/// <summary>ToString against the strings PyTorch 1.13 prints for the same tensors (plus Ember's shape/dtype suffix).</summary>
public class FormatTests
{
    static Tensor F(float[] values, params int[] shape) => Tensor.FromArray(values, shape);

    [Fact]
    public void MatrixOfFloats()
    {
        using var t = F([0.1f, -1.2f, 3f, 4f], 2, 2);
        Assert.Equal("tensor([[ 0.1000, -1.2000],\n        [ 3.0000,  4.0000]], shape=[2, 2], dtype=float32)", t.ToString());
    }

    [Fact]
    public void ZeroDimensional()
    {
        using var t = Tensor.Scalar(2.5f);
        Assert.Equal("tensor(2.5000, shape=[], dtype=float32)", t.ToString());
        using var i = Tensor.Scalar(7, DType.Int64);
        Assert.Equal("tensor(7, shape=[], dtype=int64)", i.ToString());
    }

    [Fact]
    public void IntegersBoolsAndSmallTypes()
    {
        using var ints = Tensor.FromArray(new long[] { -100, 5, 3 });
        Assert.Equal("tensor([-100,    5,    3], shape=[3], dtype=int64)", ints.ToString());
        using var bools = Tensor.FromArray(new[] { true, false }, 1, 2);
        Assert.Equal("tensor([[ True, False]], shape=[1, 2], dtype=bool)", bools.ToString());
        using var bytes = Tensor.FromArray(new byte[] { 0, 255, 3 });
        Assert.Equal("tensor([  0, 255,   3], shape=[3], dtype=uint8)", bytes.ToString());
        using var i32 = Tensor.FromArray(new[] { -5, 10 });
        Assert.Equal("tensor([-5, 10], shape=[2], dtype=int32)", i32.ToString());
    }

    [Fact]
    public void WholeFloatsPrintWithATrailingPoint()
    {
        using var t = F([1, 2, -3]);
        Assert.Equal("tensor([ 1.,  2., -3.], shape=[3], dtype=float32)", t.ToString());
        using var z = Tensor.Zeros(2);
        Assert.Equal("tensor([0., 0.], shape=[2], dtype=float32)", z.ToString());
    }

    [Fact]
    public void NonFiniteValuesAreNotCountedInTheWidthButArePadded()
    {
        using var t = F([float.NaN, float.PositiveInfinity, float.NegativeInfinity, 1.5f]);
        Assert.Equal("tensor([   nan,    inf,   -inf, 1.5000], shape=[4], dtype=float32)", t.ToString());
    }

    [Fact]
    public void ScientificNotationForLargeTinyOrWideRanges()
    {
        using var big = F([1e9f, 1.5f]);
        Assert.Equal("tensor([1.0000e+09, 1.5000e+00], shape=[2], dtype=float32)", big.ToString());
        using var tiny = F([1e-5f, 1f]);
        Assert.Equal("tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float32)", tiny.ToString());
        using var d = Tensor.FromArray(new[] { 1e-10, 1e10 });
        Assert.Equal("tensor([1.0000e-10, 1.0000e+10], shape=[2], dtype=float64)", d.ToString());
    }

    [Fact]
    public void LongVectorsWrapAtEightyColumns()
    {
        using var t = Tensor.Arange(0, 20) / 4.0;
        Assert.Equal(
            "tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,\n" +
            "        2.2500, 2.5000, 2.7500, 3.0000, 3.2500, 3.5000, 3.7500, 4.0000, 4.2500,\n" +
            "        4.5000, 4.7500], shape=[20], dtype=float32)", t.ToString());
    }

    [Fact]
    public void ThreeDimsSeparateBlocksWithABlankLine()
    {
        using var t = Tensor.Arange(12).Reshape(2, 2, 3);
        Assert.Equal(
            "tensor([[[ 0,  1,  2],\n" +
            "         [ 3,  4,  5]],\n\n" +
            "        [[ 6,  7,  8],\n" +
            "         [ 9, 10, 11]]], shape=[2, 2, 3], dtype=int64)", t.ToString());
    }

    [Fact]
    public void ViewsPrintInLogicalOrder()
    {
        using var m = F([1, 2, 3, 4, 5, 6], 2, 3);
        using var t = m.T;
        Assert.Equal("tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]], shape=[3, 2], dtype=float32)", t.ToString());
    }

    [Fact]
    public void ExactlyAThousandElementsAreNotSummarised()
    {
        using var t = Tensor.Arange(1000);
        Assert.DoesNotContain("...", t.ToString());
        using var more = Tensor.Arange(0, 1001);
        Assert.Equal("tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.], shape=[1001],\n       dtype=float32)", more.ToString());
    }

    [Fact]
    public void SummarisedVectorChoosesNotationFromTheEdgesOnly()
    {
        using var t = Tensor.Arange(0, 2000);
        Assert.Equal(
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n" +
            "        1.9990e+03], shape=[2000], dtype=float32)", t.ToString());
    }

    [Fact]
    public void SummarisedMatrixMovesSuffixesToANewLineWhenTooLong()
    {
        using var t = Tensor.Arange(2000).Reshape(2, 1000);
        Assert.Equal(
            "tensor([[   0,    1,    2,  ...,  997,  998,  999],\n" +
            "        [1000, 1001, 1002,  ..., 1997, 1998, 1999]], shape=[2, 1000],\n" +
            "       dtype=int64)", t.ToString());
    }

    [Fact]
    public void SummarisedLeadingDimShowsEllipsisBlock()
    {
        using var t = Tensor.Arange(1200).Reshape(8, 3, 50);
        var s = t.ToString();
        var lines = s.Split('\n');
        Assert.Equal("tensor([[[   0,    1,    2,  ...,   47,   48,   49],", lines[0]);
        Assert.Equal("        ...,", lines[12]);
        Assert.Equal("        [[1050, 1051, 1052,  ..., 1097, 1098, 1099],", lines[^4]);
        Assert.Equal("         [1150, 1151, 1152,  ..., 1197, 1198, 1199]]], shape=[8, 3, 50],", lines[^2]);
        Assert.Equal("       dtype=int64)", lines[^1]);
        Assert.Equal(26, lines.Length);
    }

    [Fact]
    public void EmptyTensorsShowBrackets()
    {
        using var t = Tensor.Zeros(0, 3);
        Assert.Equal("tensor([], shape=[0, 3], dtype=float32)", t.ToString());
        using var i = Tensor.Zeros([0], DType.Int64);
        Assert.Equal("tensor([], shape=[0], dtype=int64)", i.ToString());
    }

    [Fact]
    public void AutogradSuffixes()
    {
        using var x = F([1, 2]);
        x.RequiresGrad = true;
        Assert.Equal("tensor([1., 2.], shape=[2], dtype=float32, requires_grad=True)", x.ToString());
        using var y = x * 2.0;
        Assert.Equal($"tensor([2., 4.], shape=[2], dtype=float32, grad_fn=<{y.GradFn!.Name}>)", y.ToString());
        Assert.Contains("grad_fn=<MulBackward>", y.ToString());
    }

    [Fact]
    public void DisposedTensor()
    {
        var t = F([1, 2]);
        t.Dispose();
        Assert.Equal("tensor(<disposed>)", t.ToString());
    }
}
