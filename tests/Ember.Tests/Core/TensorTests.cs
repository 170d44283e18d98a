using Ember;
using Xunit;

namespace Ember.Tests;

public class TensorTests
{
    [Fact]
    public void ViewsShareMemory()
    {
        var x = Tensor.Arange(0, 6).Reshape(2, 3);
        var t = x.Transpose(0, 1);
        Assert.False(t.IsContiguous);
        using (Autograd.NoGrad()) x.AddInPlace(Tensor.Ones(2, 3));
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, t.ToArray<float>());
    }

    [Fact]
    public void ReshapeIsAViewWhenStridesAllowAndACopyOtherwise()
    {
        var x = Tensor.Arange(0, 24).Reshape(2, 3, 4);
        var v = x.Reshape(6, 4);
        Assert.Equal(x.StorageOffset, v.StorageOffset);
        var p = x.Transpose(0, 2);             // [4, 3, 2] with strides [1, 4, 12]: not viewable as [4, 6]
        var r = p.Reshape(4, 6);
        Assert.True(r.IsContiguous);
        Assert.Equal(p.Contiguous().ToArray<float>(), r.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => p.View(4, 6));
        var s = x.Slice(2, 0, 2);             // [2,3,2] with strides [12,4,1]
        Assert.Equal(new[] { 6, 2 }, s.View(6, 2).Shape);
    }

    [Fact]
    public void ContiguousCopiesOnlyWhenItMust()
    {
        var x = Tensor.Arange(0, 6).Reshape(2, 3);
        var c = x.Contiguous();
        using (Autograd.NoGrad()) x.FillInPlace(7);
        Assert.All(c.ToArray<float>(), v => Assert.Equal(7f, v));
        var t = x.T.Contiguous();
        using (Autograd.NoGrad()) x.FillInPlace(1);
        Assert.All(t.ToArray<float>(), v => Assert.Equal(7f, v));
    }

    [Fact]
    public void SelectNarrowSliceExpandSqueezeUnsqueeze()
    {
        var x = Tensor.Arange(0, 12).Reshape(3, 4);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, x.Select(0, 1).ToArray<float>());
        Assert.Equal(new float[] { 1, 5, 9 }, x.Select(1, -3).ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10 }, x.Narrow(1, 1, 2).ToArray<float>());
        Assert.Equal(new float[] { 0, 2, 8, 10 }, x.Slice(0, 0, 3, 2).Slice(1, 0, 4, 2).ToArray<float>());
        Assert.Equal(new[] { 2, 3, 4 }, x.Unsqueeze(0).Expand(2, -1, -1).Shape);
        Assert.Equal(new[] { 3, 4 }, x.Unsqueeze(1).Squeeze().Shape);
        Assert.Equal(new[] { 3, 1, 4 }, x.Unsqueeze(-2).Shape);
        Assert.Equal(new[] { 12 }, x.Flatten().Shape);
        var w = Tensor.Arange(0, 5).Unfold(0, 2, 2);
        Assert.Equal(new[] { 2, 2 }, w.Shape);
        Assert.Equal(new float[] { 0, 1, 2, 3 }, w.ToArray<float>());
    }

    [Fact]
    public void ZeroDimAndZeroSizeTensors()
    {
        var s = Tensor.Scalar(3f);
        Assert.Equal(0, s.Rank);
        Assert.Equal(1, s.NumElements);
        Assert.Equal(3f, s.Item<float>());
        var e = Tensor.Zeros(0, 4);
        Assert.Equal(0, e.NumElements);
        Assert.Equal(new[] { 4 }, e.Sum(0).Shape);
        Assert.Equal(0f, e.Sum().Item<float>());
        Assert.Equal(new[] { 0, 4 }, (e + Tensor.Ones(4)).Shape);
    }

    [Theory]
    [InlineData(DType.Int32, DType.Float32, DType.Float32)]
    [InlineData(DType.Int64, DType.Int32, DType.Int64)]
    [InlineData(DType.UInt8, DType.Int32, DType.Int32)]
    [InlineData(DType.Bool, DType.UInt8, DType.UInt8)]
    [InlineData(DType.Float32, DType.Float64, DType.Float64)]
    [InlineData(DType.Bool, DType.Bool, DType.Bool)]
    public void TypePromotionFollowsPyTorch(DType a, DType b, DType expected)
    {
        var x = Tensor.Ones([2], a);
        var y = Tensor.Ones([2], b);
        Assert.Equal(expected, (x + y).DType);
    }

    [Fact]
    public void ScalarsAndZeroDimTensorsPromoteWeakly()
    {
        var i = Tensor.FromArray(new int[] { 1, 2 });
        Assert.Equal(DType.Int32, (i + 1).DType);
        Assert.Equal(DType.Float32, (i + 0.5).DType);
        Assert.Equal(DType.Float32, (i / 2).DType);               // true division
        var f = Tensor.FromArray(new float[] { 1, 2 });
        Assert.Equal(DType.Float32, (f + Tensor.Scalar(1.0)).DType);  // 0-d float64 does not widen a float32 tensor
        Assert.Equal(DType.Float64, (i + Tensor.Scalar(1.0)).DType);  // but lifts an integer tensor
        Assert.Equal(DType.Bool, f.Gt(1).DType);
    }

    [Fact]
    public void SameSeedGivesTheSameNumbers()
    {
        var a = Tensor.Randn([100], new Generator(42)).ToArray<float>();
        var b = Tensor.Randn([100], new Generator(42)).ToArray<float>();
        var c = Tensor.Randn([100], new Generator(43)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        // Fixed values: the stream must not change between versions or machines.
        Assert.Equal(new Generator(7).NextUInt64(), new Generator(7).NextUInt64());
        var u = Tensor.Rand([10000], new Generator(1)).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 1f));
        Assert.InRange(u.Average(), 0.48, 0.52);
        var n = Tensor.Randn([10000], new Generator(1)).ToArray<float>();
        Assert.InRange(n.Average(), -0.03, 0.03);
        Assert.InRange(n.Select(v => v * v).Average(), 0.95, 1.05);
        var k = Tensor.RandInt(3, 7, [1000], new Generator(1)).ToArray<long>();
        Assert.Equal(new long[] { 3, 4, 5, 6 }, k.Distinct().Order().ToArray());
    }

    [Fact]
    public void CreationFunctions()
    {
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f, 1 }, Tensor.Linspace(0, 1, 5).ToArray<float>());
        Assert.Equal(new float[] { 1, 0, 0, 0, 1, 0 }, Tensor.Eye(2, 3).ToArray<float>());
        Assert.Equal(new float[] { 1, 1.5f, 2, 2.5f }, Tensor.Arange(1, 3, 0.5f).ToArray<float>());
        Assert.Equal(new float[] { 7, 7 }, Tensor.Full([2], 7).ToArray<float>());
        Assert.Equal(DType.Int64, Tensor.ZerosLike(Tensor.FromArray(new long[] { 1 })).DType);
        var bern = Tensor.Bernoulli(Tensor.Full([1000], 0.3f), new Generator(3)).ToArray<float>();
        Assert.InRange(bern.Average(), 0.25, 0.35);
    }

    [Fact]
    public void UseAfterDisposeIsAClearError()
    {
        var x = Tensor.Ones(2, 2);
        x.Dispose();
        var e = Assert.Throws<ObjectDisposedException>(() => x.Exp());
        Assert.Contains("[2, 2]", e.Message);
        x.Dispose(); // twice is harmless
    }

    [Fact]
    public void DisposingAViewKeepsTheBaseAlive()
    {
        var x = Tensor.Arange(0, 4);
        var v = x.Reshape(2, 2);
        v.Dispose();
        Assert.Equal(new float[] { 0, 1, 2, 3 }, x.ToArray<float>());
    }

    [Fact]
    public void BadInputNamesTheOpAndTheShapes()
    {
        var a = Tensor.Ones(32, 784);
        var b = Tensor.Ones(10, 256);
        var e = Assert.Throws<ArgumentException>(() => a.MatMul(b));
        Assert.Contains("MatMul", e.Message);
        Assert.Contains("[32, 784]", e.Message);
        Assert.Contains("[10, 256]", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 3) + Tensor.Ones(4));
        Assert.Contains("Add", e2.Message);
        Assert.Contains("[2, 3]", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Ones(2, 3).Sum(2));
        Assert.Contains("dim 2", e3.Message);
        var e4 = Assert.Throws<InvalidOperationException>(() => Tensor.Ones(2).ToArray<double>());
        Assert.Contains("Float32", e4.Message);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Ones(2, 3).Select(1, 3));
        Assert.Contains("index 3", e5.Message);
        Assert.Throws<ArgumentException>(() => Tensor.Ones(2, 3).Reshape(4, 2));
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new float[] { 1, 2, 3 }, 2, 2));
    }

    [Fact]
    public void MatMulCoversVectorsMatricesAndBroadcastBatches()
    {
        var v = Tensor.FromArray(new float[] { 1, 2, 3 });
        Assert.Equal(14f, v.MatMul(v).Item<float>());
        var m = Tensor.Arange(0, 6).Reshape(2, 3);
        Assert.Equal(new float[] { 8, 26 }, m.MatMul(v).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5 }, Tensor.FromArray(new float[] { 0, 1 }).MatMul(m).ToArray<float>());
        var batch = Tensor.Arange(0, 24).Reshape(2, 1, 3, 4);
        var rhs = Tensor.Arange(0, 20).Reshape(5, 4, 1);
        var r = batch.MatMul(rhs);
        Assert.Equal(new[] { 2, 5, 3, 1 }, r.Shape);
        // Transposed views go to GEMM without a copy and give the same numbers as a contiguous copy.
        var a = Tensor.Randn([7, 5], new Generator(1));
        var b = Tensor.Randn([6, 5], new Generator(2));
        var viaView = a.MatMul(b.T).ToArray<float>();
        var viaCopy = a.MatMul(b.T.Contiguous()).ToArray<float>();
        Assert.Equal(viaCopy, viaView);
        var ints = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 2, 2);
        var ip = ints.MatMul(ints);
        Assert.Equal(DType.Int64, ip.DType);
        Assert.Equal(new long[] { 7, 10, 15, 22 }, ip.ToArray<long>());
    }
}
