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

    public static TheoryData<int, int, int> PairGeometries => new()
    {
        // h, w, threads: even and odd sizes, rows narrower and wider than one vector step of windows
        { 2, 2, 1 }, { 3, 3, 2 }, { 2, 5, 1 }, { 5, 2, 3 }, { 4, 7, 2 }, { 6, 8, 1 }, { 7, 9, 3 },
        { 8, 10, 2 }, { 11, 11, 1 }, { 10, 16, 3 }, { 9, 17, 2 }, { 26, 26, 1 }, { 13, 35, 2 }, { 6, 33, 3 },
    };

    /// <summary>
    /// The 2×2 / stride-2 fast path against the general indexed path, bit for bit (values with NaN
    /// payloads, indices, and the gradient), and its values-only form in inference against its own
    /// values. The general path is reached through ceil mode on an input padded to odd sizes: its extra
    /// last row and column are cropped, the rest sees the same windows.
    /// </summary>
    [Theory]
    [MemberData(nameof(PairGeometries))]
    public void MaxPool2x2FastPathMatchesTheGeneralPath(int h, int w, int threads)
    {
        int saved = Threading.NumThreads;
        try
        {
            Threading.SetNumThreads(threads);
            foreach (var dtype in new[] { DType.Float32, DType.Float64 })
                foreach (var fill in new[] { "random", "ties", "special" })
                    CheckPair(h, w, dtype, fill);
        }
        finally { Threading.SetNumThreads(saved); }
    }

    static void CheckPair(int h, int w, DType dtype, string fill)
    {
        const int planes = 6;
        var rng = new Random(h * 1000 + w * 10 + fill.Length);
        double[] specials = [double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234), double.NegativeInfinity,
                             double.PositiveInfinity, 0.0, -0.0, 1.0, -1.0];
        var data = new double[planes * h * w];
        for (int i = 0; i < data.Length; i++)
            data[i] = fill switch
            {
                "random" => rng.NextDouble() * 4 - 2,
                "ties" => rng.Next(-1, 2),
                _ => rng.Next(3) == 0 ? specials[rng.Next(specials.Length)] : rng.Next(-2, 3),
            };
        if (fill == "special") // whole windows of −∞, and of NaNs with different payloads
            for (int pl = 0; pl < planes; pl += 2)
            {
                double[] win = pl % 4 == 0 ? [double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity]
                                           : [double.NaN, 1, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0042), 2];
                data[pl * h * w] = win[0]; data[pl * h * w + 1] = win[1]; data[pl * h * w + w] = win[2]; data[pl * h * w + w + 1] = win[3];
            }
        int oh = h / 2, ow = w / 2;
        var gdata = Enumerable.Range(0, planes * oh * ow).Select(_ => rng.Next(5) == 0 ? -0.0 : rng.NextDouble() - 0.5).ToArray();

        using var x = Tensor.FromArray(data, 2, planes / 2, h, w).To(dtype);
        x.RequiresGrad = true;
        var (y, idx) = x.MaxPool2dWithIndices([2]);
        Assert.Equal(new[] { 2, planes / 2, oh, ow }, y.Shape);
        using var g = Tensor.FromArray(gdata, y.Shape).To(dtype);
        y.Backward(g);

        // The general path: pad to odd sizes, pool in ceil mode, crop.
        int hp = h | 1, wp = w | 1;
        var padded = new double[planes * hp * wp];
        for (int pl = 0; pl < planes; pl++)
            for (int r = 0; r < hp; r++)
                for (int c = 0; c < wp; c++)
                    padded[(pl * hp + r) * wp + c] = r < h && c < w ? data[(pl * h + r) * w + c] : 5.0;
        using var xp = Tensor.FromArray(padded, 2, planes / 2, hp, wp).To(dtype);
        xp.RequiresGrad = true;
        var (yp, idxp) = xp.MaxPool2dWithIndices([2], ceilMode: true);
        Assert.Equal(new[] { 2, planes / 2, oh + 1, ow + 1 }, yp.Shape);
        var gp = new double[planes * (oh + 1) * (ow + 1)];
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                    gp[(pl * (oh + 1) + i) * (ow + 1) + j] = gdata[(pl * oh + i) * ow + j];
        using var gpt = Tensor.FromArray(gp, yp.Shape).To(dtype);
        yp.Backward(gpt);

        var yBits = Bits(y); var ypBits = Bits(yp);
        using (Autograd.NoGrad())
        {
            // Inference: no indices are kept, and the values are the same, bit for bit.
            using var values = x.MaxPool2d([2]);
            Assert.Equal(yBits, Bits(values));
        }
        var ix = idx.ToArray<long>(); var ixp = idxp.ToArray<long>();
        for (int pl = 0; pl < planes; pl++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++)
                {
                    int o = (pl * oh + i) * ow + j, op = (pl * (oh + 1) + i) * (ow + 1) + j;
                    long at = ixp[op] / wp * w + ixp[op] % wp;
                    Assert.True(ypBits[op] == yBits[o], $"{dtype} {fill} {h}x{w}: value [{pl}, {i}, {j}]");
                    Assert.True(at == ix[o], $"{dtype} {fill} {h}x{w}: index [{pl}, {i}, {j}] expected {at}, got {ix[o]}");
                }
        var gx = Bits(x.Grad!); var gxp = Bits(xp.Grad!);
        for (int pl = 0; pl < planes; pl++)
            for (int r = 0; r < h; r++)
                for (int c = 0; c < w; c++)
                {
                    long expected = r < 2 * oh && c < 2 * ow ? gxp[(pl * hp + r) * wp + c] : 0L;
                    Assert.True(expected == gx[(pl * h + r) * w + c], $"{dtype} {fill} {h}x{w}: gradient [{pl}, {r}, {c}]");
                }
        y.Dispose(); idx.Dispose(); yp.Dispose(); idxp.Dispose();
    }

    static long[] Bits(Tensor t) => t.DType == DType.Float32
        ? t.ToArray<float>().Select(v => (long)BitConverter.SingleToInt32Bits(v)).ToArray()
        : t.ToArray<double>().Select(BitConverter.DoubleToInt64Bits).ToArray();

    [Fact]
    public void MaxPool2x2FastPathTiesNaNAndMinusInfinity()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // Windows (row-major a, b / c, d): ties, a NaN after the maximum, two NaNs, all −∞, −0 before +0.
            double nan = double.NaN, inf = double.NegativeInfinity;
            using var x = Tensor.FromArray(new double[]
            {
                1, 1,   0, 3,     nan, 2,   inf, inf,   -0.0, 0, 7,
                1, 0,   nan, 3,   1, nan,   inf, inf,   0, 0,    7,
                9, 9,   9, 9,     9, 9,     9, 9,       9, 9,    9,
            }, 1, 1, 3, 11).To(dtype);
            x.RequiresGrad = true;
            var (y, idx) = x.MaxPool2dWithIndices([2]);
            Assert.Equal(new long[] { 0, 13, 16, 6, 8 }, idx.ToArray<long>()); // ties: first; NaNs: the last
            var v = Values(y);
            Assert.Equal(1, v[0]); Assert.True(double.IsNaN(v[1]) && double.IsNaN(v[2]));
            Assert.Equal(double.NegativeInfinity, v[3]);
            Assert.True(v[4] == 0 && double.IsNegative(v[4]), "the first of −0 and +0 wins");
            y.Sum().Backward();
            var gx = Values(x.Grad!);
            Assert.Equal(Enumerable.Range(0, 22).Select(i => i is 0 or 6 or 8 or 13 or 16 ? 1.0 : 0.0).ToArray(), gx.Take(22).ToArray());
            Assert.All(gx.Skip(22), g => Assert.Equal(0, g));
            y.Dispose(); idx.Dispose();
        }
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
