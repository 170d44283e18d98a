using Xunit;

namespace Ember.Tests;

/// <summary>
/// Edge cases of the pooling and normalisation kernels, checked against plain reference loops:
/// every row length 0…3·width+1 of the vectorised norm kernels (in Float32 and Float64), many pooling
/// geometries, ties, NaN and −∞ windows, and thread counts. CI runs this class once per SIMD level.
/// </summary>
public class PoolingKernelTests
{
    static Tensor Seeded(int seed, DType dtype, params int[] shape)
    {
        var rng = new Random(seed);
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.FromArray(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 4 - 2).ToArray(), shape).To(dtype);
    }

    static double[] Values(Tensor t) => FixtureAssert.Values(t);

    static void Near(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])),
                $"{what}: [{i}] expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>PyTorch's max pooling, written out per output cell (first maximum, NaN wins).</summary>
    static (double[] Values, long[] Indices) ReferenceMaxPool(double[] x, int planes, int h, int w, int[] k, int[] s, int[] p, int[] d, int oh, int ow)
    {
        var y = new double[planes * oh * ow];
        var idx = new long[y.Length];
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    double best = double.NegativeInfinity;
                    long at = -1;
                    for (int a = 0; a < k[0]; a++)
                        for (int b = 0; b < k[1]; b++)
                        {
                            int r = i * s[0] - p[0] + a * d[0], c = j * s[1] - p[1] + b * d[1];
                            if (r < 0 || r >= h || c < 0 || c >= w) continue;
                            double v = x[pl * h * w + r * w + c];
                            if (at < 0 || v > best || double.IsNaN(v)) { best = v; at = r * w + c; }
                        }
                    y[(pl * oh + i) * ow + j] = best;
                    idx[(pl * oh + i) * ow + j] = at;
                }
        return (y, idx);
    }

    public static TheoryData<int, int, int, int, int, int, int, bool> Geometries => new()
    {
        // h, w, k, stride, pad, dilation, threads, ceil
        { 1, 1, 1, 1, 0, 1, 1, false },
        { 5, 7, 2, 2, 0, 1, 1, true },
        { 13, 11, 3, 2, 1, 1, 2, true },
        { 9, 9, 3, 1, 1, 2, 4, false },
        { 26, 26, 2, 2, 0, 1, 2, false },
        { 17, 3, 3, 3, 1, 1, 3, true },
        { 8, 31, 4, 3, 2, 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void MaxPoolMatchesReferenceLoops(int h, int w, int k, int s, int p, int d, int threads, bool ceil)
    {
        int saved = Threading.NumThreads;
        try
        {
            Threading.SetNumThreads(threads);
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            {
                using var x = Seeded(h * 100 + w, dtype, 3, 5, h, w);
                var (y, idx) = x.MaxPool2dWithIndices([k], [s], [p], [d], ceil);
                int oh = y.Shape[2], ow = y.Shape[3];
                var (ry, ridx) = ReferenceMaxPool(Values(x), 15, h, w, [k, k], [s, s], [p, p], [d, d], oh, ow);
                Near(ry, Values(y), 0, $"MaxPool2d {dtype} values");
                Assert.Equal(ridx, idx.ToArray<long>());
            }
        }
        finally { Threading.SetNumThreads(saved); }
    }

    [Fact]
    public void MaxPoolTiesGoToTheFirstMaximumAndNaNWins()
    {
        using var x = Tensor.FromArray(new double[] { 1, 1, 1, 1, 0, 2, double.NegativeInfinity, 1 }, 1, 1, 2, 4);
        x.RequiresGrad = true;
        var (y, idx) = x.MaxPool2dWithIndices([2]);
        Assert.Equal(new long[] { 5, 2 }, idx.ToArray<long>()); // the second window ties 1, 1, 1: the first wins
        using var x2 = Tensor.FromArray(new double[] { 0, double.NaN, 3, double.NaN }, 1, 1, 2, 2);
        var (y2, idx2) = x2.MaxPool2dWithIndices([2]);
        Assert.True(double.IsNaN(y2.ToArray<double>()[0]));
        Assert.Equal(3L, idx2.ToArray<long>()[0]); // the last NaN, like PyTorch
        y.Sum().Backward();
        Assert.Equal(new double[] { 0, 0, 1, 0, 0, 1, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void AllMinusInfinityWindowKeepsItsFirstIndex()
    {
        using var x = Tensor.Full([1, 1, 3, 3], double.NegativeInfinity, DType.Float32);
        var (y, idx) = x.MaxPool2dWithIndices([2], [1]);
        Assert.All(y.ToArray<float>(), v => Assert.Equal(float.NegativeInfinity, v));
        Assert.Equal(new long[] { 0, 1, 3, 4 }, idx.ToArray<long>());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void ThreadCountsGiveIdenticalResults(int threads)
    {
        int saved = Threading.NumThreads;
        try
        {
            using var x = Seeded(7, DType.Float32, 8, 16, 12, 12);
            using var one = Baseline(x);
            Threading.SetNumThreads(threads);
            using var many = Run(x);
            Assert.Equal(one.ToArray<float>(), many.ToArray<float>());
        }
        finally { Threading.SetNumThreads(saved); }

        static Tensor Baseline(Tensor x) { Threading.SetNumThreads(1); return Run(x); }
        static Tensor Run(Tensor x) => Tensor.BatchNorm(x.AvgPool2d([3], [2], [1], ceilMode: true).AdaptiveMaxPool2d([4]), null, null, null, null, training: true);
    }

    /// <summary>Row lengths 0…3·width+1 for the widest vectors (16 floats, 8 doubles), and a few long rows.</summary>
    public static TheoryData<int> RowLengths
    {
        get
        {
            var data = new TheoryData<int>();
            foreach (int n in Enumerable.Range(1, 49).Concat([255, 1025, 2049])) data.Add(n);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void LayerNormRowsOfEveryLength(int d)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            using var x = Seeded(d, dtype, 3, d);
            using var w = Seeded(d + 1, dtype, d);
            using var b = Seeded(d + 2, dtype, d);
            using var y = Tensor.LayerNorm(x, [d], w, b);
            var xv = Values(x); var wv = Values(w); var bv = Values(b);
            var expected = new double[xv.Length];
            for (int r = 0; r < 3; r++)
            {
                var row = xv.Skip(r * d).Take(d).ToArray();
                double mean = row.Average(), var = row.Select(v => (v - mean) * (v - mean)).Average();
                for (int j = 0; j < d; j++) expected[r * d + j] = (row[j] - mean) / Math.Sqrt(var + 1e-5) * wv[j] + bv[j];
            }
            Near(expected, Values(y), dtype == DType.Float32 ? 1e-5 : 1e-12, $"LayerNorm d={d} {dtype}");
        }
    }

    [Theory]
    [MemberData(nameof(RowLengths))]
    public void BatchNormChannelsOfEveryLength(int s)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            using var x = Seeded(s, dtype, 2, 3, s);
            using var y = Tensor.BatchNorm(x, null, null, null, null, training: true);
            var xv = Values(x);
            var expected = new double[xv.Length];
            for (int c = 0; c < 3; c++)
            {
                var idx = Enumerable.Range(0, 2).SelectMany(n => Enumerable.Range((n * 3 + c) * s, s)).ToArray();
                double mean = idx.Average(i => xv[i]), var = idx.Average(i => (xv[i] - mean) * (xv[i] - mean));
                foreach (int i in idx) expected[i] = (xv[i] - mean) / Math.Sqrt(var + 1e-5);
            }
            Near(expected, Values(y), dtype == DType.Float32 ? 2e-5 : 1e-11, $"BatchNorm s={s} {dtype}");
        }
    }

    [Fact]
    public void BatchNormStatisticsSurviveALargeMean()
    {
        using var x = Tensor.FromArray(Enumerable.Range(0, 64).Select(i => 1e4f + (i % 2 == 0 ? 0.5f : -0.5f)).ToArray(), 4, 2, 8);
        using var rm = Tensor.Zeros(2);
        using var rv = Tensor.Ones(2);
        using var y = Tensor.BatchNorm(x, rm, rv, null, null, training: true, momentum: 1);
        Near([1e4, 1e4], Values(rm), 1e-7, "running mean");
        Near([0.25 * 32 / 31, 0.25 * 32 / 31], Values(rv), 1e-6, "running variance (unbiased)");
        Assert.All(Values(y), v => Assert.True(Math.Abs(Math.Abs(v) - 1) < 1e-3, $"normalised value {v}"));
    }
}
