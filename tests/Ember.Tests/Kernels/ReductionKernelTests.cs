using Xunit;

namespace Ember.Tests;

/// <summary>
/// Edge cases of the reduction, arg-reduction, scan and softmax kernels, checked against plain double
/// loops: every row length through the remainders of every SIMD width (0…3·16+1), rows and columns,
/// non-adjacent dims, transposed inputs, keepDim shapes, empty tensors, NaN and the errors for bad dims.
/// </summary>
public class ReductionKernelTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 3 * 16 + 1; n++) data.Add(n);
        return data;
    }

    // ---- reference loops ----

    /// <summary>For each output element (row-major over the kept dims), the flat input indices it reduces, in order.</summary>
    static List<int>[] Groups(int[] shape, int[] dims)
    {
        int rank = shape.Length;
        var reduced = dims.Select(d => d < 0 ? d + rank : d).ToHashSet();
        var kept = Enumerable.Range(0, rank).Where(d => !reduced.Contains(d)).ToArray();
        int outCount = kept.Aggregate(1, (a, d) => a * shape[d]);
        var groups = Enumerable.Range(0, outCount).Select(_ => new List<int>()).ToArray();
        int total = shape.Aggregate(1, (a, b) => a * b);
        var index = new int[rank];
        for (int flat = 0; flat < total; flat++)
        {
            for (int d = rank - 1, rest = flat; d >= 0; d--) { index[d] = rest % shape[d]; rest /= shape[d]; }
            int o = 0;
            foreach (var d in kept) o = o * shape[d] + index[d];
            groups[o].Add(flat);
        }
        return groups;
    }

    static double[] Reduce(double[] x, int[] shape, int[] dims, Func<double[], double> f)
        => Groups(shape, dims).Select(g => f(g.Select(i => x[i]).ToArray())).ToArray();

    /// <summary>Applies a row → row function along one dim, writing results back to the input positions.</summary>
    static double[] Along(double[] x, int[] shape, int dim, Func<double[], double[]> f)
    {
        var y = new double[x.Length];
        foreach (var g in Groups(shape, [dim]))
        {
            var r = f(g.Select(i => x[i]).ToArray());
            for (int k = 0; k < g.Count; k++) y[g[k]] = r[k];
        }
        return y;
    }

    static double SumOf(double[] v) { double s = 0; foreach (var a in v) s += a; return s; }
    static double ProdOf(double[] v) { double p = 1; foreach (var a in v) p *= a; return p; }
    static double MaxOf(double[] v) => v.Any(double.IsNaN) ? double.NaN : v.Max();
    static double MinOf(double[] v) => v.Any(double.IsNaN) ? double.NaN : v.Min();
    static int ArgMaxOf(double[] v) { int b = 0; for (int i = 1; i < v.Length; i++) if (!double.IsNaN(v[b]) && (double.IsNaN(v[i]) || v[i] > v[b])) b = i; return b; }
    static int ArgMinOf(double[] v) { int b = 0; for (int i = 1; i < v.Length; i++) if (!double.IsNaN(v[b]) && (double.IsNaN(v[i]) || v[i] < v[b])) b = i; return b; }
    static double VarOf(double[] v, int c) { double m = SumOf(v) / v.Length; return v.Sum(a => (a - m) * (a - m)) / Math.Max(0, v.Length - c); }
    static double LogSumExpOf(double[] v) { if (v.Length == 0) return double.NegativeInfinity; double m = v.Max(); return m + Math.Log(v.Sum(a => Math.Exp(a - m))); }
    static double NormOf(double[] v, double p) => p == 1 ? v.Sum(Math.Abs) : Math.Pow(v.Sum(a => Math.Pow(Math.Abs(a), p)), 1 / p);
    static double[] SoftmaxOf(double[] v) { if (v.Length == 0) return v; double m = v.Max(); var e = v.Select(a => Math.Exp(a - m)).ToArray(); double s = e.Sum(); return e.Select(a => a / s).ToArray(); }
    static double[] LogSoftmaxOf(double[] v) { double l = LogSumExpOf(v); return v.Select(a => a - l).ToArray(); }
    static double[] CumSumOf(double[] v) { double s = 0; return v.Select(a => s += a).ToArray(); }

    // ---- helpers ----

    static double[] Random(int count, int seed, double lo = -3, double hi = 3)
    {
        var rng = new System.Random(seed);
        return Enumerable.Range(0, count).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray();
    }

    /// <summary>A Float32 tensor and its values as the reference sees them (rounded to float).</summary>
    static (Tensor T, double[] V) F32(int[] shape, int seed, double lo = -3, double hi = 3)
    {
        var f = Random(shape.Aggregate(1, (a, b) => a * b), seed, lo, hi).Select(v => (float)v).ToArray();
        return (Tensor.FromArray(f, shape), f.Select(v => (double)v).ToArray());
    }

    static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>().Select(v => (double)v).ToArray(),
        DType.Float64 => t.ToArray<double>(),
        DType.Int64 => t.ToArray<long>().Select(v => (double)v).ToArray(),
        DType.Int32 => t.ToArray<int>().Select(v => (double)v).ToArray(),
        _ => throw new NotSupportedException(t.DType.ToString()),
    };

    static void Close(double[] expected, Tensor actual, string what, double tol = 2e-5)
    {
        var got = Values(actual);
        Assert.True(expected.Length == got.Length, $"{what}: {got.Length} values, expected {expected.Length}");
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected[i], a = got[i];
            bool ok = (double.IsNaN(e) && double.IsNaN(a)) || e == a || Math.Abs(a - e) <= tol * (1 + Math.Abs(e));
            Assert.True(ok, $"{what}: element {i} is {a}, expected {e}");
        }
    }

    static void Shape(int[] expected, Tensor t) => Assert.Equal(expected, t.Shape);

    // ---- every row length: the vector bodies and their tails ----

    [Theory, MemberData(nameof(Lengths))]
    public void RowsOfEveryLength(int n)
    {
        int[] shape = [3, n];
        var (x, v) = F32(shape, 100 + n);
        Close(Reduce(v, shape, [1], SumOf), x.Sum(1), $"sum n={n}");
        Close(Along(v, shape, 1, CumSumOf), x.CumSum(1), $"cumsum n={n}");
        Close(Reduce(v, shape, [1], LogSumExpOf), x.LogSumExp(1), $"logsumexp n={n}");
        Close(Reduce(v, shape, [1], a => NormOf(a, 2)), x.Norm(2, [1]), $"norm n={n}");
        var (p, pv) = F32(shape, 200 + n, 0.5, 1.5);
        Close(Reduce(pv, shape, [1], ProdOf), p.Prod(1), $"prod n={n}", 1e-4);
        Shape([3, n], x.Softmax(1));
        if (n == 0)
        {
            Assert.Throws<ArgumentException>(() => x.Max(1));
            Assert.Throws<ArgumentException>(() => x.AMax([1]));
            return;
        }
        Close(Along(v, shape, 1, SoftmaxOf), x.Softmax(1), $"softmax n={n}");
        Close(Along(v, shape, 1, LogSoftmaxOf), x.LogSoftmax(-1), $"logsoftmax n={n}");
        Close(Reduce(v, shape, [1], MaxOf), x.AMax([1]), $"amax n={n}");
        var (values, indices) = x.Max(1);
        Close(Reduce(v, shape, [1], MaxOf), values, $"max values n={n}");
        Close(Reduce(v, shape, [1], a => ArgMaxOf(a)), indices, $"max indices n={n}");
        var (minValues, minIndices) = x.Min(1);
        Close(Reduce(v, shape, [1], MinOf), minValues, $"min values n={n}");
        Close(Reduce(v, shape, [1], a => ArgMinOf(a)), minIndices, $"min indices n={n}");
        Close(Reduce(v, shape, [1], a => ArgMaxOf(a)), x.ArgMax(1), $"argmax n={n}");
        Close([ArgMinOf(v)], x.ArgMin(), $"argmin flat n={n}");
        if (n > 1) Close(Reduce(v, shape, [1], a => VarOf(a, 1)), x.Var([1]), $"var n={n}");
    }

    [Theory, MemberData(nameof(Lengths))]
    public void ColumnsOfEveryLength(int n)
    {
        // Reducing a leading or middle dim takes the column (inner > 1) paths.
        foreach (var (shape, dim) in new[] { (new[] { n, 5 }, 0), (new[] { 2, n, 3 }, 1) })
        {
            var (x, v) = F32(shape, 300 + n);
            string at = $"shape [{string.Join(",", shape)}] dim {dim}";
            Close(Reduce(v, shape, [dim], SumOf), x.Sum(dim), $"sum {at}");
            Close(Along(v, shape, dim, CumSumOf), x.CumSum(dim), $"cumsum {at}");
            Close(Reduce(v, shape, [dim], LogSumExpOf), x.LogSumExp(dim), $"logsumexp {at}");
            if (n == 0) { Shape(shape, x.Softmax(dim)); continue; }
            Close(Along(v, shape, dim, SoftmaxOf), x.Softmax(dim), $"softmax {at}");
            Close(Along(v, shape, dim, LogSoftmaxOf), x.LogSoftmax(dim), $"logsoftmax {at}");
            var (values, indices) = x.Max(dim);
            Close(Reduce(v, shape, [dim], MaxOf), values, $"max {at}");
            Close(Reduce(v, shape, [dim], a => ArgMaxOf(a)), indices, $"argmax {at}");
            Close(Reduce(v, shape, [dim], a => ArgMinOf(a)), x.ArgMin(dim), $"argmin {at}");
            Close(Reduce(v, shape, [dim], MinOf), x.AMin([dim]), $"amin {at}");
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void SoftmaxGradientsOfEveryLength(int n)
    {
        foreach (var (shape, dim) in new[] { (new[] { 3, n }, 1), (new[] { n, 4 }, 0) })
        {
            var x = Tensor.FromArray(Random(shape[0] * shape[1], 400 + n), shape);
            var g = Random(shape[0] * shape[1], 500 + n);
            var xv = Values(x);
            foreach (bool log in new[] { false, true })
            {
                x.RequiresGrad = true;
                x.ZeroGrad();
                using var y = log ? x.LogSoftmax(dim) : x.Softmax(dim);
                y.Backward(Tensor.FromArray(g, shape));
                // Reference: softmax gx = y·(g − Σ g·y); log-softmax gx = g − softmax·Σ g.
                var groups = Groups(shape, [dim]);
                var expected = new double[xv.Length];
                foreach (var grp in groups)
                {
                    var s = SoftmaxOf(grp.Select(i => xv[i]).ToArray());
                    double dot = grp.Select((i, k) => g[i] * s[k]).Sum(), gs = grp.Sum(i => g[i]);
                    for (int k = 0; k < grp.Count; k++)
                        expected[grp[k]] = log ? g[grp[k]] - s[k] * gs : s[k] * (g[grp[k]] - dot);
                }
                Close(expected, x.Grad!, $"{(log ? "log" : "")}softmax grad n={n} dim={dim}", 1e-12);
            }
        }
    }

    // ---- layouts ----

    [Theory]
    [InlineData(new[] { 0, 2 })]
    [InlineData(new[] { 1, 3 })]
    [InlineData(new[] { 0, -1 })]
    [InlineData(new[] { 0, 1, 3 })]
    public void NonAdjacentDims(int[] dims)
    {
        int[] shape = [3, 4, 5, 6];
        var (x, v) = F32(shape, 7);
        foreach (bool keep in new[] { false, true })
        {
            var expectedShape = Enumerable.Range(0, 4)
                .SelectMany(d => dims.Any(r => (r + 4) % 4 == d) ? (keep ? [1] : Array.Empty<int>()) : [shape[d]]).ToArray();
            void Check(double[] expected, Tensor t, string what) { Shape(expectedShape, t); Close(expected, t, $"{what} keep={keep}"); }
            Check(Reduce(v, shape, dims, SumOf), x.Sum(dims, keep), "sum");
            Check(Reduce(v, shape, dims, MaxOf), x.AMax(dims, keep), "amax");
            Check(Reduce(v, shape, dims, MinOf), x.AMin(dims, keep), "amin");
            Check(Reduce(v, shape, dims, a => VarOf(a, 1)), x.Var(dims, 1, keep), "var");
            Check(Reduce(v, shape, dims, a => Math.Sqrt(VarOf(a, 0))), x.Std(dims, 0, keep), "std");
            Check(Reduce(v, shape, dims, LogSumExpOf), x.LogSumExp(dims, keep), "logsumexp");
            Check(Reduce(v, shape, dims, a => NormOf(a, 1)), x.Norm(1, dims, keep), "norm1");
            Check(Reduce(v, shape, dims, a => NormOf(a, 3)), x.Norm(3, dims, keep), "norm3");
            Check(Reduce(v, shape, dims, a => a.Max(Math.Abs)), x.Norm(float.PositiveInfinity, dims, keep), "norm inf");
        }
    }

    [Fact]
    public void TransposedInputs()
    {
        var (x, _) = F32([6, 9], 11);
        using var t = x.T; // [9, 6], not contiguous
        Assert.False(t.IsContiguous);
        int[] shape = [9, 6];
        var v = Values(t);
        for (int dim = 0; dim < 2; dim++)
        {
            Close(Reduce(v, shape, [dim], SumOf), t.Sum(dim), $"sum {dim}");
            Close(Reduce(v, shape, [dim], MaxOf), t.Max(dim).Values, $"max {dim}");
            Close(Reduce(v, shape, [dim], a => ArgMinOf(a)), t.ArgMin(dim), $"argmin {dim}");
            Close(Along(v, shape, dim, SoftmaxOf), t.Softmax(dim), $"softmax {dim}");
            Close(Along(v, shape, dim, LogSoftmaxOf), t.LogSoftmax(dim), $"logsoftmax {dim}");
            Close(Along(v, shape, dim, CumSumOf), t.CumSum(dim), $"cumsum {dim}");
            Close(Reduce(v, shape, [dim], ProdOf), t.Prod(dim), $"prod {dim}", 1e-4);
            Close(Reduce(v, shape, [dim], a => VarOf(a, 1)), t.Var([dim]), $"var {dim}");
            Close(Reduce(v, shape, [dim], LogSumExpOf), t.LogSumExp(dim), $"logsumexp {dim}");
        }
        Close([ArgMaxOf(v)], t.ArgMax(), "argmax of the flattened transpose");
    }

    [Fact]
    public void KeepDimShapes()
    {
        using var x = Tensor.Zeros(2, 3, 4);
        Shape([2, 1, 4], x.Prod(1, keepDim: true));
        Shape([2, 4], x.Prod(-2));
        Shape([], x.Prod());
        Shape([2, 3, 1], x.Max(-1, keepDim: true).Values);
        Shape([2, 3, 1], x.Max(-1, keepDim: true).Indices);
        Shape([3, 4], x.Min(0).Indices);
        Shape([], x.Max());
        Shape([1, 1, 1], x.ArgMax(keepDim: true));
        Shape([], x.ArgMin());
        Shape([2, 1, 4], x.ArgMin(1, keepDim: true));
        Shape([1, 3, 1], x.Var([0, 2], keepDim: true));
        Shape([1, 1, 1], x.Std(keepDim: true));
        Shape([2, 1, 4], x.LogSumExp(1, keepDim: true));
        Shape([3], x.LogSumExp([0, -1]));
        Shape([1, 1, 1], x.Norm(2, null, keepDim: true));
        Shape([2, 3], x.Norm(1, [2]));
        using var scalar = Tensor.Scalar(2.5f);
        Shape([], scalar.Max(0).Values);
        Assert.Equal(0L, scalar.ArgMax(0).Item<long>());
        Assert.Equal(1f, scalar.Softmax(0).Item<float>());
        Assert.Equal(2.5f, scalar.CumSum(-1).Item<float>());
    }

    // ---- edge values ----

    [Fact]
    public void EmptyTensors()
    {
        using var x = Tensor.Zeros(0, 3);
        Close([0, 0, 0], x.Sum(0), "sum");
        Close([1, 1, 1], x.Prod(0), "prod of nothing is 1");
        Close([double.NegativeInfinity, double.NegativeInfinity, double.NegativeInfinity], x.LogSumExp(0), "logsumexp of nothing");
        Close([0, 0, 0], x.Norm(2, [0]), "norm of nothing");
        Close([double.NaN, double.NaN, double.NaN], x.Var([0]), "var of nothing");
        Shape([0], x.Max(1).Values);
        Shape([0], x.ArgMax(1));
        Shape([0], x.Sum(1));
        Shape([0, 3], x.Softmax(1));
        Shape([0, 3], x.LogSoftmax(0));
        Shape([0, 3], x.CumSum(0));
        Assert.Contains("Max", Assert.Throws<ArgumentException>(() => x.Max()).Message);
        Assert.Contains("Min", Assert.Throws<ArgumentException>(() => x.Min(0)).Message);
        Assert.Contains("ArgMax", Assert.Throws<ArgumentException>(() => x.ArgMax()).Message);
        Assert.Contains("Norm", Assert.Throws<ArgumentException>(() => x.Norm(float.PositiveInfinity, [0])).Message);
    }

    [Fact]
    public void NaNPropagates()
    {
        var v = Random(40, 3);
        v[7] = double.NaN; v[13] = double.NaN; // row 0 of a [2, 20] tensor
        using var rows = Tensor.FromArray(v.Select(a => (float)a).ToArray(), 2, 20);
        Assert.True(float.IsNaN(rows.Max().Item<float>()));
        Assert.True(float.IsNaN(rows.Min().Item<float>()));
        var (values, indices) = rows.Max(1);
        Assert.True(float.IsNaN(values.ToArray<float>()[0]));
        Assert.False(float.IsNaN(values.ToArray<float>()[1]));
        Assert.Equal(7L, indices.ToArray<long>()[0]);
        Assert.Equal(7L, rows.ArgMin(1).ToArray<long>()[0]);
        Assert.Equal(7L, rows.ArgMax().Item<long>());
        var sm = rows.Softmax(1).ToArray<float>();
        Assert.All(sm.Take(20), a => Assert.True(float.IsNaN(a)));
        Assert.All(sm.Skip(20), a => Assert.False(float.IsNaN(a)));
        Assert.True(float.IsNaN(rows.LogSumExp(1).ToArray<float>()[0]));
        Assert.True(float.IsNaN(rows.Norm(float.PositiveInfinity, [1]).ToArray<float>()[0]));
        // The column path: NaN in column 7 of the transpose's rows.
        using var cols = rows.T.Contiguous(); // [20, 2]
        var (cv, ci) = cols.Max(0);
        Assert.True(float.IsNaN(cv.ToArray<float>()[0]));
        Assert.Equal(7L, ci.ToArray<long>()[0]);
        Assert.True(float.IsNaN(cols.AMin([0]).ToArray<float>()[0]));
        Assert.False(float.IsNaN(cols.AMin([0]).ToArray<float>()[1]));
    }

    [Fact]
    public void TiesGoToTheFirstIndexAndShareTheGradient()
    {
        using var x = Tensor.FromArray(new double[] { 1, 3, 3, 2, -1, -1 }, 6);
        Assert.Equal(1L, x.Max(0).Indices.Item<long>());
        Assert.Equal(4L, x.ArgMin().Item<long>());
        x.RequiresGrad = true;
        x.Max().Backward();
        Assert.Equal(new double[] { 0, 0.5, 0.5, 0, 0, 0 }, x.Grad!.ToArray<double>());
        x.ZeroGrad();
        x.Max(0).Values.Backward();
        Assert.Equal(new double[] { 0, 1, 0, 0, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void ProdGradientIsExactWithZeros()
    {
        // Rows with no zero, one zero and two zeros: the gradient is the product of the others.
        var v = new double[] { 2, -3, 0.5, 4, 2, 0, 5, -1, 0, 3, 0, 7 };
        using var x = Tensor.FromArray(v, 3, 4);
        x.RequiresGrad = true;
        x.Prod(1).Backward(Tensor.Ones([3], DType.Float64));
        var expected = v.Select((_, i) => Enumerable.Range(i / 4 * 4, 4).Where(j => j != i).Aggregate(1.0, (p, j) => p * v[j])).ToArray();
        Close(expected, x.Grad!, "prod grad", 1e-15);
        x.ZeroGrad();
        x.Prod().Backward();
        Assert.All(x.Grad!.ToArray<double>(), a => Assert.Equal(0, a)); // three zeros overall
    }

    [Fact]
    public void IntegerInputsFollowPyTorchDTypes()
    {
        using var x = Tensor.FromArray(new[] { 3, -7, 9, 2, 8, -1 }, 2, 3);
        Assert.Equal(DType.Int64, x.Prod().DType);
        Assert.Equal(3L * -7 * 9 * 2 * 8 * -1, x.Prod().Item<long>());
        Assert.Equal(DType.Int64, x.CumSum(1).DType);
        Assert.Equal(new long[] { 3, -4, 5, 2, 10, 9 }, x.CumSum(1).ToArray<long>());
        Assert.Equal(9, x.Max().Item<int>());
        Assert.Equal(new[] { 3, 8, 9 }, x.Max(0).Values.ToArray<int>());
        Assert.Equal(new long[] { 2, 1 }, x.ArgMax(1).ToArray<long>());
        Assert.Equal(DType.Float32, x.Softmax(1).DType);
        Assert.Equal(DType.Float32, x.LogSumExp(1).DType);
    }

    [Fact]
    public void StableForLargeAndInfiniteValues()
    {
        using var x = Tensor.FromArray(new[] { 1000f, 1001f, 999.5f, float.NegativeInfinity, float.NegativeInfinity, float.NegativeInfinity }, 2, 3);
        var lse = x.LogSumExp(1).ToArray<float>();
        Assert.Equal(1001 + Math.Log(Math.Exp(-1) + 1 + Math.Exp(-1.5)), lse[0], 3);
        Assert.Equal(float.NegativeInfinity, lse[1]);
        Close(SoftmaxOf([1000, 1001, 999.5]), x.Narrow(0, 0, 1).Softmax(1), "softmax of large values");
        using var half = Tensor.FromArray(new[] { float.NegativeInfinity, 0f }, 2);
        Close([0, 1], half.Softmax(0), "softmax with -inf");
        Close([double.NegativeInfinity, 0], half.LogSoftmax(0), "log-softmax with -inf");
    }

    [Fact]
    public void LargeInputsRunThreadedAndAgree()
    {
        int[] shape = [300, 257]; // above the threading grain, odd row length
        var (x, v) = F32(shape, 5);
        for (int dim = 0; dim < 2; dim++)
        {
            Close(Along(v, shape, dim, SoftmaxOf), x.Softmax(dim), $"softmax {dim}");
            Close(Along(v, shape, dim, CumSumOf), x.CumSum(dim), $"cumsum {dim}", 1e-4);
            Close(Reduce(v, shape, [dim], a => ArgMaxOf(a)), x.ArgMax(dim), $"argmax {dim}");
            Close(Reduce(v, shape, [dim], MaxOf), x.AMax([dim]), $"amax {dim}");
        }
        // More columns than one block of the column kernels: the blocks must tile exactly.
        int[] wide = [7, 2100];
        var (w, wv) = F32(wide, 6);
        Close(Reduce(wv, wide, [0], a => ArgMaxOf(a)), w.Max(0).Indices, "wide argmax");
        Close(Along(wv, wide, 0, SoftmaxOf), w.Softmax(0), "wide softmax");
        Close(Along(wv, wide, 0, CumSumOf), w.CumSum(0), "wide cumsum");
        Close(Reduce(wv, wide, [0], ProdOf), w.Prod(0), "wide prod", 1e-4);
    }

    [Fact]
    public void ScanGradientsAlongEitherDim()
    {
        int[] shape = [4, 5];
        var v = new double[] { 2, 0, 1.5, -1, 3, 0, 0, 2, 1, -2, 1, 1, 1, 1, 1, -0.5, 2, 0, 4, 3 };
        var g = Random(20, 9);
        for (int dim = 0; dim < 2; dim++)
        {
            using var x = Tensor.FromArray(v, shape);
            x.RequiresGrad = true;
            x.CumSum(dim).Backward(Tensor.FromArray(g, shape));
            Close(Along(g, shape, dim, a => CumSumOf(a.Reverse().ToArray()).Reverse().ToArray()), x.Grad!, $"cumsum grad {dim}", 1e-12);
            x.ZeroGrad();
            using var gp = Tensor.FromArray(Reduce(g, shape, [dim], a => a[0]), dim == 0 ? [5] : [4]);
            x.Prod(dim).Backward(gp);
            var expected = new double[20];
            foreach (var grp in Groups(shape, [dim]))
                for (int k = 0; k < grp.Count; k++)
                    expected[grp[k]] = g[grp[0]] * grp.Where((_, j) => j != k).Aggregate(1.0, (p, i) => p * v[i]);
            Close(expected, x.Grad!, $"prod grad {dim}", 1e-12);
        }
    }

    // ---- errors ----

    [Fact]
    public void BadDimsNameTheOpAndTheDim()
    {
        using var x = Tensor.Zeros(2, 3);
        void OutOfRange(string op, Action call)
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(call);
            Assert.Contains(op, e.Message);
            Assert.Contains("out of range", e.Message);
        }
        OutOfRange("Max", () => x.Max(2));
        OutOfRange("Min", () => x.Min(-3));
        OutOfRange("ArgMax", () => x.ArgMax(5));
        OutOfRange("Prod", () => x.Prod(2));
        OutOfRange("Softmax", () => x.Softmax(2));
        OutOfRange("LogSoftmax", () => x.LogSoftmax(-3));
        OutOfRange("CumSum", () => x.CumSum(3));
        OutOfRange("Var", () => x.Var([2]));
        OutOfRange("LogSumExp", () => x.LogSumExp([0, 4]));
        OutOfRange("Norm", () => x.Norm(2, [-3]));
        Assert.Contains("Std", Assert.Throws<ArgumentException>(() => x.Std([1, -1])).Message);
        Assert.Contains("AMax", Assert.Throws<ArgumentException>(() => x.AMax([0, 0])).Message);
        Assert.Contains("Norm", Assert.Throws<ArgumentException>(() => x.Norm(float.NaN)).Message);
    }
}
