using Xunit;

namespace Ember.Tests;

/// <summary>
/// Edge cases of the joining, indexing, sorting, triangular and padding ops, on small inputs whose
/// answers can be checked by hand (PyTorch's documented behaviour is the reference).
/// </summary>
public class IndexingTests
{
    static Tensor F(float[] v, params int[] shape) => Tensor.FromArray(v, shape);
    static Tensor L(long[] v, params int[] shape) => Tensor.FromArray(v, shape);
    static Tensor Leaf(float[] v, params int[] shape) { var t = F(v, shape); t.RequiresGrad = true; return t; }

    // ---- Cat, Stack, Split, Chunk ----

    [Fact]
    public void CatPromotesMixedDtypes()
    {
        using var y = Tensor.Cat([Tensor.FromArray(new[] { 1, 2 }), Tensor.FromArray(new[] { 3.5 }), Tensor.FromArray(new[] { true })]);
        Assert.Equal(DType.Float64, y.DType);
        Assert.Equal([1, 2, 3.5, 1], y.ToArray<double>());
        using var b = Tensor.Cat([Tensor.FromArray(new[] { true }), Tensor.FromArray(new byte[] { 7 })]);
        Assert.Equal(DType.UInt8, b.DType);
        Assert.Equal([1, 7], b.ToArray<byte>());
    }

    [Fact]
    public void CatAlongLastDimAndSkipsLegacyEmpty()
    {
        using var y = Tensor.Cat([F([1, 2], 2, 1), F([3, 4, 5, 6], 2, 2)], -1);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([1, 3, 4, 2, 5, 6], y.ToArray<float>());
        using var skipped = Tensor.Cat([Tensor.Zeros(0), F([1, 2, 3, 4], 2, 2)]);
        Assert.Equal([2, 2], skipped.Shape);
        using var rows = Tensor.Cat([Tensor.Zeros(0, 3), Tensor.Ones(2, 3)]);
        Assert.Equal([2, 3], rows.Shape);
    }

    [Fact]
    public void CatErrorsNameTheTensorAndShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Zeros(2, 3), Tensor.Zeros(2, 4)]));
        Assert.Contains("tensor 1 has shape [2, 4]", e.Message);
        Assert.Contains("tensor 0 has shape [2, 3]", e.Message);
        Assert.Contains("Cat", Assert.Throws<ArgumentException>(() => Tensor.Cat([Tensor.Scalar(1f)])).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Cat([]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Cat([Tensor.Zeros(2)], 1));
    }

    [Fact]
    public void CatGradientIsSlicedBackToEachFloatInput()
    {
        using var a = Leaf([1, 2], 2);
        using var b = Leaf([3, 4, 5], 3);
        using var c = Tensor.FromArray(new long[] { 9 });
        using var y = Tensor.Cat([a, c, b]);
        y.Backward(F([10, 11, 12, 13, 14, 15], 6));
        Assert.Equal([10, 11], a.Grad!.ToArray<float>());
        Assert.Equal([13, 14, 15], b.Grad!.ToArray<float>());
    }

    [Fact]
    public void StackInsertsDimAndSplitsGradient()
    {
        using var a = Leaf([1, 2], 2);
        using var b = Leaf([3, 4], 2);
        using var y = Tensor.Stack([a, b], -1);
        Assert.Equal([2, 2], y.Shape);
        Assert.Equal([1, 3, 2, 4], y.ToArray<float>());
        y.Backward(F([1, 2, 3, 4], 2, 2));
        Assert.Equal([1, 3], a.Grad!.ToArray<float>());
        Assert.Equal([2, 4], b.Grad!.ToArray<float>());
        using var scalars = Tensor.Stack([Tensor.Scalar(1f), Tensor.Scalar(2f)]);
        Assert.Equal([2], scalars.Shape);
        var e = Assert.Throws<ArgumentException>(() => Tensor.Stack([Tensor.Zeros(2), Tensor.Zeros(3)]));
        Assert.Contains("tensor 1 has shape [3]", e.Message);
    }

    [Fact]
    public void SplitAndChunkSizes()
    {
        using var x = Tensor.Arange(0, 7);
        Assert.Equal([2, 2, 2, 1], x.Split(2).Select(p => p.Size(0)));
        Assert.Equal([3, 3, 1], x.Chunk(3).Select(p => p.Size(0)));
        Assert.Equal([1, 0, 6], x.Split([1, 0, 6]).Select(p => p.Size(0)));
        using var six = Tensor.Arange(0, 6);
        Assert.Equal([2, 2, 2], six.Chunk(4).Select(p => p.Size(0))); // torch.chunk may return fewer pieces
        using var empty = Tensor.Zeros(0);
        Assert.Single(empty.Split(2));
        Assert.Equal(3, empty.Chunk(3).Length);
        var last = x.Split(3)[2];
        Assert.Equal(6, last.StorageOffset); // a view, not a copy
        Assert.Equal([6f], last.ToArray<float>());
    }

    [Fact]
    public void SplitErrors()
    {
        using var x = Tensor.Zeros(4, 3);
        Assert.Contains("add up to 3", Assert.Throws<ArgumentException>(() => x.Split([1, 2])).Message);
        Assert.Throws<ArgumentException>(() => x.Split(0));
        Assert.Throws<ArgumentException>(() => x.Chunk(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Split(1, 2));
    }

    // ---- Gather, Scatter, ScatterAdd, IndexSelect, OneHot ----

    [Fact]
    public void GatherPicksAlongDim()
    {
        using var x = F([1, 2, 3, 4], 2, 2);
        using var y = x.Gather(1, L([0, 0, 1, 0], 2, 2));
        Assert.Equal([1, 1, 4, 3], y.ToArray<float>());
        using var neg = x.Gather(-2, L([1, 0], 1, 2)); // index may be smaller than the input
        Assert.Equal([3, 2], neg.ToArray<float>());
        using var none = x.Gather(0, Tensor.Zeros([0, 2], DType.Int64));
        Assert.Equal([0, 2], none.Shape);
    }

    [Fact]
    public void GatherChecksIndexValuesDtypeAndShape()
    {
        using var x = Tensor.Zeros(2, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, L([0, 2], 1, 2)));
        Assert.Contains("index 2 is out of bounds for dim 1 with size 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, L([-1], 1, 1)));
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => x.Gather(0, Tensor.FromArray(new[] { 0 }, 1, 1))).Message);
        Assert.Throws<ArgumentException>(() => x.Gather(1, L([0, 0, 0], 3, 1)));
        Assert.Throws<ArgumentException>(() => x.Gather(0, L([0], 1)));
    }

    [Fact]
    public void GatherGradientAddsUpRepeatedIndices()
    {
        using var x = Leaf([1, 2, 3], 3);
        using var y = x.Gather(0, L([0, 0, 2], 3));
        using var s = y.Sum();
        s.Backward();
        Assert.Equal([2, 0, 1], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void GatherAndScatterAddMatchLoopsOnALargeInput()
    {
        // 50,000 short lines merge into one run that the threads must split between them.
        const int rows = 50_000;
        var rng = new Random(5);
        var index = Enumerable.Range(0, rows * 3).Select(_ => (long)rng.Next(2)).ToArray();
        using var x = Tensor.Arange(0, 2 * rows).Reshape(rows, 2);
        using var idx = L(index, rows, 3);
        var gathered = x.Gather(1, idx).ToArray<float>();
        var added = Tensor.Zeros(rows, 2).ScatterAdd(1, idx, Tensor.Ones(rows, 3)).ToArray<float>();
        var expectedAdded = new float[rows * 2];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(2 * r + index[r * 3 + j], gathered[r * 3 + j]);
                expectedAdded[r * 2 + index[r * 3 + j]] += 1;
            }
        Assert.Equal(expectedAdded, added);
    }

    [Fact]
    public void ScatterWritesSourceAtIndices()
    {
        // torch.scatter's documented example.
        using var src = F(Enumerable.Range(1, 10).Select(i => (float)i).ToArray(), 2, 5);
        using var y = Tensor.Zeros(3, 5).Scatter(0, L([0, 1, 2, 0], 1, 4), src);
        Assert.Equal([1, 0, 0, 4, 0, 0, 2, 0, 0, 0, 0, 0, 3, 0, 0], y.ToArray<float>());
        var e = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).Scatter(0, L([0], 1), Tensor.Zeros([1], DType.Float64)));
        Assert.Contains("Float64", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Zeros(3).Scatter(0, L([3], 1), Tensor.Zeros(1)));
    }

    [Fact]
    public void ScatterGradients()
    {
        using var self = Leaf([1, 2, 3, 4], 4);
        using var src = Leaf([5, 6, 7], 3); // larger than the index: its last element is unused
        using var y = self.Scatter(0, L([3, 1], 2), src);
        Assert.Equal([1, 6, 3, 5], y.ToArray<float>());
        y.Backward(F([10, 20, 30, 40], 4));
        Assert.Equal([10, 0, 30, 0], self.Grad!.ToArray<float>()); // overwritten positions get nothing
        Assert.Equal([40, 20, 0], src.Grad!.ToArray<float>());
    }

    [Fact]
    public void ScatterAddAccumulatesAndOrsBools()
    {
        using var y = Tensor.Zeros(3).ScatterAdd(0, L([0, 0, 2], 3), F([1, 2, 3], 3));
        Assert.Equal([3, 0, 3], y.ToArray<float>());
        var ones = Tensor.Ones([300], DType.Bool);
        using var b = Tensor.Zeros([2], DType.Bool).ScatterAdd(0, Tensor.Zeros([300], DType.Int64), ones);
        Assert.Equal([true, false], b.ToArray<bool>()); // 300 "additions" must not wrap a byte
        using var i = Tensor.Zeros([2], DType.Int32).ScatterAdd(0, L([1, 1], 2), Tensor.Ones([2], DType.Int32));
        Assert.Equal([0, 2], i.ToArray<int>());
    }

    [Fact]
    public void IndexSelectPicksSlices()
    {
        using var x = Tensor.Arange(12).Reshape(3, 4);
        using var rows = x.IndexSelect(0, L([2, 0], 2));
        Assert.Equal([8L, 9, 10, 11, 0, 1, 2, 3], rows.ToArray<long>());
        using var cols = x.IndexSelect(-1, Tensor.FromArray(new[] { 3, 3 }));
        Assert.Equal([3L, 3, 7, 7, 11, 11], cols.ToArray<long>());
        using var scalar = Tensor.Scalar(5f).IndexSelect(0, L([0], 1));
        Assert.Empty(scalar.Shape);
        using var none = x.IndexSelect(1, Tensor.Zeros([0], DType.Int64));
        Assert.Equal([3, 0], none.Shape);
    }

    [Fact]
    public void IndexSelectErrorsAndGradient()
    {
        using var x = Leaf([1, 2, 3], 3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(0, L([-1], 1)));
        Assert.Contains("index -1 is out of bounds for dim 0 with size 3", e.Message);
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, L([0, 0], 1, 2)));
        Assert.Throws<ArgumentException>(() => x.IndexSelect(0, Tensor.FromArray(new[] { 0f })));
        using var y = x.IndexSelect(0, L([2, 0, 2], 3));
        y.Backward(F([1, 2, 4], 3));
        Assert.Equal([2, 0, 5], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void OneHotEncodes()
    {
        using var y = L([0, 2, 1], 3).OneHot();
        Assert.Equal([3, 3], y.Shape);
        Assert.Equal(DType.Int64, y.DType);
        Assert.Equal([1L, 0, 0, 0, 0, 1, 0, 1, 0], y.ToArray<long>());
        using var wide = L([1], 1).OneHot(4);
        Assert.Equal([0L, 1, 0, 0], wide.ToArray<long>());
        using var empty = Tensor.Zeros([0], DType.Int64).OneHot(5);
        Assert.Equal([0, 5], empty.Shape);
    }

    [Fact]
    public void OneHotErrors()
    {
        Assert.Throws<ArgumentException>(() => Tensor.FromArray(new[] { 1 }).OneHot());
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => L([-1], 1).OneHot()).Message);
        Assert.Contains("not smaller than numClasses (3)", Assert.Throws<ArgumentException>(() => L([3], 1).OneHot(3)).Message);
        Assert.Throws<ArgumentException>(() => Tensor.Zeros([0], DType.Int64).OneHot());
    }

    // ---- Sort, TopK ----

    [Fact]
    public void SortIsStableWithNaNLargest()
    {
        using var x = F([2, 1, 2, float.NaN, 1, float.NaN, 0], 7);
        var (v, i) = x.Sort();
        Assert.Equal([0, 1, 1, 2, 2, float.NaN, float.NaN], v.ToArray<float>());
        Assert.Equal([6L, 1, 4, 0, 2, 3, 5], i.ToArray<long>());
        var (vd, id) = x.Sort(descending: true);
        Assert.Equal([float.NaN, float.NaN, 2, 2, 1, 1, 0], vd.ToArray<float>());
        Assert.Equal([3L, 5, 0, 2, 1, 4, 6], id.ToArray<long>());
    }

    [Fact]
    public void SortOtherDtypesDimsAndShapes()
    {
        var (v, i) = L([5, -2, 9, -2], 4).Sort();
        Assert.Equal([-2L, -2, 5, 9], v.ToArray<long>());
        Assert.Equal([1L, 3, 0, 2], i.ToArray<long>());
        var (b, _) = Tensor.FromArray(new[] { true, false, true }).Sort();
        Assert.Equal([false, true, true], b.ToArray<bool>());
        var (cols, ci) = F([3, 1, 2, 4], 2, 2).Sort(0);
        Assert.Equal([2, 1, 3, 4], cols.ToArray<float>());
        Assert.Equal([1L, 0, 0, 1], ci.ToArray<long>());
        var (s, si) = Tensor.Scalar(2f).Sort();
        Assert.Empty(s.Shape);
        Assert.Equal(0, si.Item<long>());
        var (e, _) = Tensor.Zeros(0, 3).Sort();
        Assert.Equal([0, 3], e.Shape);
    }

    [Fact]
    public void SortMatchesArraySortOnALargeStridedInput()
    {
        var rng = new Random(3);
        var data = Enumerable.Range(0, 300 * 200).Select(_ => (float)rng.Next(1000)).ToArray();
        using var x = F(data, 300, 200);
        using var t = x.T; // sort the columns of x, through a transposed view
        var (v, i) = t.Sort(-1);
        var values = v.ToArray<float>();
        var indices = i.ToArray<long>();
        for (int c = 0; c < 200; c++)
        {
            var column = Enumerable.Range(0, 300).Select(r => data[r * 200 + c]).ToArray();
            var expected = column.Select((value, r) => (value, r)).OrderBy(p => p.value).ToArray(); // OrderBy is stable
            for (int r = 0; r < 300; r++)
            {
                Assert.Equal(expected[r].value, values[c * 300 + r]);
                Assert.Equal(expected[r].r, indices[c * 300 + r]);
            }
        }
    }

    [Fact]
    public void TopKTiesNaNAndRange()
    {
        using var x = F([1, 3, 2, 3], 4);
        var (v, i) = x.TopK(2);
        Assert.Equal([3, 3], v.ToArray<float>());
        Assert.Equal([1L, 3], i.ToArray<long>());
        var (sv, si) = x.TopK(2, largest: false);
        Assert.Equal([1, 2], sv.ToArray<float>());
        Assert.Equal([0L, 2], si.ToArray<long>());
        var (nv, ni) = F([1, float.NaN, 2], 3).TopK(1);
        Assert.True(float.IsNaN(nv.ToArray<float>()[0]));
        Assert.Equal(1, ni.ToArray<long>()[0]);
        var (zero, _) = x.TopK(0);
        Assert.Equal([0], zero.Shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => x.TopK(5));
        Assert.Contains("k = 5", e.Message);
    }

    [Fact]
    public void TopKAndSortGradientsFollowTheIndices()
    {
        using var x = Leaf([1, 3, 2, 0], 2, 2);
        var (v, _) = x.TopK(1, dim: -1);
        v.Backward(F([10, 20], 2, 1));
        Assert.Equal([0, 10, 20, 0], x.Grad!.ToArray<float>());
        using var y = Leaf([3, 1, 2], 3);
        var (sorted, _) = y.Sort(descending: true);
        sorted.Backward(F([1, 2, 3], 3));
        Assert.Equal([1, 3, 2], y.Grad!.ToArray<float>());
    }

    // ---- Tril, Triu, Pad ----

    [Fact]
    public void TrilAndTriuMasks()
    {
        using var ones = Tensor.Ones(3, 3);
        Assert.Equal([1, 0, 0, 1, 1, 0, 1, 1, 1], ones.Tril().ToArray<float>());
        Assert.Equal([0, 1, 1, 0, 0, 1, 0, 0, 0], ones.Triu(1).ToArray<float>());
        using var wide = Tensor.Arange(6).Reshape(2, 3);
        Assert.Equal([0L, 0, 0, 3, 0, 0], wide.Tril(-1).ToArray<long>());
        Assert.Equal([0L, 1, 2, 3, 4, 5], wide.Triu(-5).ToArray<long>());
        using var batch = Tensor.Ones(2, 2, 2);
        Assert.Equal([1, 1, 0, 1, 1, 1, 0, 1], batch.Triu().ToArray<float>());
        Assert.Throws<ArgumentException>(() => Tensor.Ones(3).Tril());
        using var x = Leaf([1, 2, 3, 4], 2, 2);
        using var y = x.Tril();
        y.Backward(F([5, 6, 7, 8], 2, 2));
        Assert.Equal([5, 0, 7, 8], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void PadPadsFromTheLastDimAndCropsWhenNegative()
    {
        using var x = F([1, 2, 3, 4, 5, 6], 2, 3);
        using var last = x.Pad([1, 2]);
        Assert.Equal([2, 6], last.Shape);
        Assert.Equal([0, 1, 2, 3, 0, 0, 0, 4, 5, 6, 0, 0], last.ToArray<float>());
        using var both = x.Pad([0, 0, 1, 0], 9);
        Assert.Equal([9, 9, 9, 1, 2, 3, 4, 5, 6], both.ToArray<float>());
        using var crop = x.Pad([-1, 1]);
        Assert.Equal([2, 3, 0, 5, 6, 0], crop.ToArray<float>());
        using var ints = Tensor.Arange(3).Pad([1, 0], 2.7); // the value converts like PyTorch (truncated)
        Assert.Equal([2L, 0, 1, 2], ints.ToArray<long>());
        using var bools = Tensor.FromArray(new[] { false }).Pad([1, 1], 1);
        Assert.Equal([true, false, true], bools.ToArray<bool>());
    }

    [Fact]
    public void PadErrorsAndGradient()
    {
        using var x = Leaf([1, 2, 3], 3);
        Assert.Throws<ArgumentException>(() => x.Pad([1]));
        Assert.Throws<ArgumentException>(() => x.Pad([1, 1, 1, 1]));
        Assert.Contains("negative size", Assert.Throws<ArgumentException>(() => x.Pad([-2, -2])).Message);
        using var y = x.Pad([-1, 2]);
        y.Backward(F([1, 2, 3, 4], 4));
        Assert.Equal([0, 1, 2], x.Grad!.ToArray<float>());
    }
}
