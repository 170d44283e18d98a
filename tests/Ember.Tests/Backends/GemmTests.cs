using PortableS = Ember.Backends.Cpu.GemmMicroKernel<float, System.Runtime.Intrinsics.Vector128<float>, Ember.Backends.Cpu.V128<float>, Ember.Backends.Cpu.PortableTiling>;
using PortableD = Ember.Backends.Cpu.GemmMicroKernel<double, System.Runtime.Intrinsics.Vector128<double>, Ember.Backends.Cpu.V128<double>, Ember.Backends.Cpu.PortableTiling>;
using Avx2S = Ember.Backends.Cpu.GemmMicroKernel<float, System.Runtime.Intrinsics.Vector256<float>, Ember.Backends.Cpu.V256<float>, Ember.Backends.Cpu.Avx2Tiling>;
using Avx2D = Ember.Backends.Cpu.GemmMicroKernel<double, System.Runtime.Intrinsics.Vector256<double>, Ember.Backends.Cpu.V256<double>, Ember.Backends.Cpu.Avx2Tiling>;
using Avx512S = Ember.Backends.Cpu.GemmMicroKernel<float, System.Runtime.Intrinsics.Vector512<float>, Ember.Backends.Cpu.V512<float>, Ember.Backends.Cpu.Avx512Tiling>;
using Avx512D = Ember.Backends.Cpu.GemmMicroKernel<double, System.Runtime.Intrinsics.Vector512<double>, Ember.Backends.Cpu.V512<double>, Ember.Backends.Cpu.Avx512Tiling>;
using System.Runtime.Intrinsics.X86;
using Ember.Backends.Cpu;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Checks every GEMM path against a naive triple loop evaluated in double: all transpose combinations,
/// sizes around the tile and block edges, alpha/beta special cases, padded strides, and batching.
/// </summary>
public unsafe class GemmTests
{
    // 16, 20, 44 and 100 leave last 12-row strips of 4 or 8 rows, which are packed by vector transposes.
    static readonly int[] EdgeSizes = [0, 1, 2, 3, 7, 15, 16, 17, 20, 31, 33, 44, 63, 65, 100, 129];
    static readonly int[] Depths = [0, 1, 17, 64, 129];

    public static TheoryData<bool, bool> TransposeCombos => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory, MemberData(nameof(TransposeCombos))]
    public void Sgemm_MatchesReference_OnEdgeSizes(bool transA, bool transB)
    {
        foreach (int m in EdgeSizes)
            foreach (int n in EdgeSizes)
                foreach (int k in Depths)
                    Check<float>(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0));
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void Dgemm_MatchesReference_OnEdgeSizes(bool transA, bool transB)
    {
        foreach (int m in EdgeSizes)
            foreach (int n in EdgeSizes)
                foreach (int k in Depths)
                    Check<double>(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0));
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void AlphaBetaAndPaddedStrides_MatchReference(bool transA, bool transB)
    {
        (double Alpha, double Beta)[] scalings = [(1, 1), (0.5, -2), (-1.25, 0), (2, 0.75), (0, 3), (0, 0)];
        (int M, int N, int K)[] shapes = [(1, 1, 1), (7, 33, 5), (17, 16, 31), (65, 63, 100), (33, 129, 7), (100, 17, 65)];
        foreach (var (alpha, beta) in scalings)
            foreach (var (m, n, k) in shapes)
            {
                Check<float>(new Case(transA, transB, m, n, k, alpha, beta, PadA: 3, PadB: 5, PadC: 2));
                Check<double>(new Case(transA, transB, m, n, k, alpha, beta, PadA: 1, PadB: 4, PadC: 7));
            }
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void BlockedAndThreadedSizes_MatchReference(bool transA, bool transB)
    {
        // Past every cache block (k > KC, m > MC) and big enough to be split over threads; one and two
        // rows (computed row by row, their columns split over threads, unless op(A) is transposed and
        // deeper than the row copy takes).
        (int M, int N, int K)[] shapes = [(300, 70, 520), (400, 260, 33), (130, 300, 300), (9, 4100, 3), (520, 9, 260),
            (1, 700, 1600), (2, 301, 1100)];
        foreach (var (m, n, k) in shapes)
        {
            Check<float>(new Case(transA, transB, m, n, k, Alpha: 0.75, Beta: 0.5, PadA: 1, PadB: 2, PadC: 3));
            Check<double>(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0, PadC: 1));
        }
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void SharedPackedB_RowBlockQueue_MatchesReference(bool transA, bool transB)
    {
        // Large enough per thread for the threads to share packed B: several depth blocks, a second
        // column block (n > NC), partial row blocks and edge tiles; every kernel, 2 and 3 threads.
        foreach (var (m, n, k) in new[] { (530, 301, 700), (403, 4130, 45) })
            foreach (int threads in new[] { 2, 3 })
            {
                var c = new Case(transA, transB, m, n, k, Alpha: 0.5, Beta: 1.5, PadA: 1, PadB: 2, PadC: 3);
                CheckWith<float>(c, (a, b, cc) => GemmParallel<float, PortableS>.Run(threads, transA, transB, m, n, k, 0.5f, a, c.Lda, b, c.Ldb, 1.5f, cc, c.Ldc, default));
                if (Avx2.IsSupported && Fma.IsSupported)
                    CheckWith<double>(c, (a, b, cc) => GemmParallel<double, Avx2D>.Run(threads, transA, transB, m, n, k, 0.5, a, c.Lda, b, c.Ldb, 1.5, cc, c.Ldc, default));
                if (Avx512F.IsSupported)
                    CheckWith<float>(c, (a, b, cc) => GemmParallel<float, Avx512S>.Run(threads, transA, transB, m, n, k, 0.5f, a, c.Lda, b, c.Ldb, 1.5f, cc, c.Ldc, default));
                CheckEpilogue<float>(c with { Beta = 0, NaNInC = true }, threads, rowBias: true, colBias: true, relu: true);
            }
    }

    [Fact]
    public void SharedPackedB_Threaded_EqualsSingleThreadBitwise()
    {
        // Each element sums its depth blocks in the same order on any thread, so the threaded result is
        // bit-identical; a race between depth blocks adding into the same rows of C would show here.
        const int m = 1100, n = 300, k = 1500;
        var rng = new Random(5);
        float[] a = new float[m * k], b = new float[k * n], single = new float[m * n], threaded = new float[m * n];
        for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() - 0.5);
        for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble() - 0.5);
        fixed (float* pa = a, pb = b, ps = single, pt = threaded)
        {
            Gemm.Run(1, false, false, m, n, k, 1f, pa, k, pb, n, 0f, ps, n);
            for (int round = 0; round < 4; round++)
            {
                Array.Fill(threaded, float.NaN);
                Gemm.Run(2, false, false, m, n, k, 1f, pa, k, pb, n, 0f, pt, n);
                Assert.Equal(single, threaded);
            }
        }
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void PrePackedB_MatchesReference_ForAnyRowsAndThreads(bool transA, bool transB)
    {
        // B packed once, then products with different A and row counts: few rows split B's columns
        // (including n past NC, so a thread's columns cross a column block), many rows split C's rows;
        // several depth blocks, edge tiles and strips, every kernel here, 1 to 3 threads.
        (int M, int N, int K)[] shapes = [(1, 1, 1), (5, 37, 19), (32, 1024, 256), (9, 4130, 45), (400, 70, 520), (203, 301, 330)];
        foreach (var (m, n, k) in shapes)
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var c = new Case(transA, transB, m, n, k, Alpha: 0.5, Beta: 1.5, PadA: 1, PadB: 2, PadC: 3);
                CheckWith<float>(c, (a, b, cc) => Packed<float, PortableS>(c, threads, a, b, cc));
                if (Avx2.IsSupported && Fma.IsSupported)
                    CheckWith<double>(c, (a, b, cc) => Packed<double, Avx2D>(c, threads, a, b, cc));
                if (Avx512F.IsSupported)
                    CheckWith<float>(c, (a, b, cc) => Packed<float, Avx512S>(c, threads, a, b, cc));
                CheckWith<double>(c with { Beta = 0, NaNInC = true }, (a, b, cc) =>
                {
                    var packed = new double[Gemm.PackedBLength<double>(k, n)];
                    fixed (double* pp = packed)
                    {
                        Gemm.PackB(transB, k, n, b, c.Ldb, pp);
                        Gemm.RunPacked(threads, transA, m, n, k, 0.5, a, c.Lda, pp, 0.0, cc, c.Ldc);
                    }
                });
            }
    }

    static void Packed<T, TKernel>(Case c, int threads, T* a, T* b, T* cc)
        where T : unmanaged, System.Numerics.INumber<T> where TKernel : struct, IGemmKernel<T>
    {
        var packed = new T[GemmDriver<T, TKernel>.WholeLength(c.K, c.N)];
        fixed (T* pp = packed)
        {
            GemmDriver<T, TKernel>.PackWhole(c.TransB, c.K, c.N, b, c.Ldb, pp);
            GemmParallel<T, TKernel>.RunPacked(threads, c.TransA, c.M, c.N, c.K, T.CreateChecked(c.Alpha), a, c.Lda, pp,
                T.CreateChecked(c.Beta), cc, c.Ldc, default);
        }
    }

    [Fact]
    public void BetaZero_DoesNotReadC()
    {
        foreach (var (m, n, k) in new[] { (5, 7, 3), (40, 50, 60), (200, 130, 140), (6, 9, 0) })
        {
            Check<float>(new Case(false, false, m, n, k, Alpha: 1, Beta: 0, NaNInC: true));
            Check<double>(new Case(true, true, m, n, k, Alpha: 2, Beta: 0, NaNInC: true));
        }
    }

    [Fact]
    public void EveryKernelSupportedHere_MatchesReference()
    {
        var shapes = new (int M, int N, int K)[] { (1, 1, 1), (13, 37, 19), (67, 45, 300), (150, 170, 90) };
        foreach (bool transA in new[] { false, true })
            foreach (bool transB in new[] { false, true })
                foreach (var (m, n, k) in shapes)
                    foreach (int threads in new[] { 1, 3 })
                    {
                        var c = new Case(transA, transB, m, n, k, Alpha: 1.5, Beta: 0.5, PadA: 2, PadB: 1, PadC: 3);
                        CheckWith<float>(c, (a, b, cc) => GemmParallel<float, PortableS>.Run(threads, transA, transB, m, n, k, 1.5f, a, c.Lda, b, c.Ldb, 0.5f, cc, c.Ldc, default));
                        CheckWith<double>(c, (a, b, cc) => GemmParallel<double, PortableD>.Run(threads, transA, transB, m, n, k, 1.5, a, c.Lda, b, c.Ldb, 0.5, cc, c.Ldc, default));
                        if (Avx2.IsSupported && Fma.IsSupported)
                        {
                            CheckWith<float>(c, (a, b, cc) => GemmParallel<float, Avx2S>.Run(threads, transA, transB, m, n, k, 1.5f, a, c.Lda, b, c.Ldb, 0.5f, cc, c.Ldc, default));
                            CheckWith<double>(c, (a, b, cc) => GemmParallel<double, Avx2D>.Run(threads, transA, transB, m, n, k, 1.5, a, c.Lda, b, c.Ldb, 0.5, cc, c.Ldc, default));
                        }
                        if (Avx512F.IsSupported)
                        {
                            CheckWith<float>(c, (a, b, cc) => GemmParallel<float, Avx512S>.Run(threads, transA, transB, m, n, k, 1.5f, a, c.Lda, b, c.Ldb, 0.5f, cc, c.Ldc, default));
                            CheckWith<double>(c, (a, b, cc) => GemmParallel<double, Avx512D>.Run(threads, transA, transB, m, n, k, 1.5, a, c.Lda, b, c.Ldb, 0.5, cc, c.Ldc, default));
                        }
                    }
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void Epilogue_BiasAndRelu_MatchReference(bool transA, bool transB)
    {
        // Tiny (direct loops), edge tiles, several depth blocks (k > KC), threaded grids, and two rows
        // computed row by row with their columns split over threads.
        foreach (var (m, n, k) in new[] { (3, 4, 5), (13, 37, 19), (67, 45, 300), (150, 170, 90), (9, 600, 40), (2, 600, 900) })
            foreach (var (rowBias, colBias, relu) in new[] { (true, false, true), (false, true, true), (true, true, false), (false, false, true) })
                foreach (int threads in new[] { 1, 2 })
                {
                    CheckEpilogue<float>(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0, PadC: 3, NaNInC: true), threads, rowBias, colBias, relu);
                    CheckEpilogue<double>(new Case(transA, transB, m, n, k, Alpha: 0.5, Beta: 1, PadA: 1), threads, rowBias, colBias, relu);
                }
        // k == 0: C = act(beta·C + bias).
        CheckEpilogue<float>(new Case(false, false, 4, 9, 0, Alpha: 1, Beta: 1), 1, true, true, true);
    }

    [Theory, MemberData(nameof(TransposeCombos))]
    public void Batched_MatchesReference_WithBroadcastOperands(bool transA, bool transB)
    {
        // Small items (threaded across the batch) and larger ones (threaded inside each item).
        foreach (var (m, n, k, count) in new[] { (3, 5, 7, 9), (16, 33, 17, 6), (70, 90, 110, 3), (130, 140, 150, 2) })
        {
            foreach (var (broadcastA, broadcastB) in new[] { (false, false), (true, false), (false, true) })
            {
                CheckBatched<float>(new Case(transA, transB, m, n, k, Alpha: 1, Beta: 0.5, PadA: 1, PadB: 2, PadC: 1), count, broadcastA, broadcastB);
                CheckBatched<double>(new Case(transA, transB, m, n, k, Alpha: -0.5, Beta: 0, PadA: 2, PadC: 3), count, broadcastA, broadcastB);
            }
        }
    }

    [Fact]
    public void Batched_ZeroCountOrEmptyItems_DoNothing()
    {
        float* c = stackalloc float[4];
        c[0] = 7;
        Gemm.Batched(0, false, false, 1, 1, 1, 1f, null, 1, 0, null, 1, 0, 0f, c, 1, 1);
        Gemm.Batched(3, false, false, 0, 1, 1, 1f, null, 1, 0, null, 1, 0, 0f, c, 1, 1);
        Assert.Equal(7, c[0]);
    }

    /// <summary>One product: op(A) is m×k, op(B) is k×n; Pad* widen the row strides past the minimum.</summary>
    record Case(bool TransA, bool TransB, int M, int N, int K, double Alpha, double Beta,
        int PadA = 0, int PadB = 0, int PadC = 0, bool NaNInC = false)
    {
        public int Lda => (TransA ? M : K) + PadA;
        public int Ldb => (TransB ? K : N) + PadB;
        public int Ldc => N + PadC;
        public int RowsA => TransA ? K : M;
        public int RowsB => TransB ? N : K;
        public double OpA(double[] a, int i, int p) => TransA ? a[p * Lda + i] : a[i * Lda + p];
        public double OpB(double[] b, int p, int j) => TransB ? b[j * Ldb + p] : b[p * Ldb + j];
    }

    static void Check<T>(Case c) where T : unmanaged => CheckWith<T>(c, (a, b, cc) =>
    {
        if (typeof(T) == typeof(float))
            Gemm.Sgemm(c.TransA, c.TransB, c.M, c.N, c.K, (float)c.Alpha, (float*)a, c.Lda, (float*)b, c.Ldb, (float)c.Beta, (float*)cc, c.Ldc);
        else
            Gemm.Dgemm(c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, (double*)a, c.Lda, (double*)b, c.Ldb, c.Beta, (double*)cc, c.Ldc);
    });

    delegate void Product<T>(T* a, T* b, T* c) where T : unmanaged;

    static void CheckWith<T>(Case c, Product<T> run) where T : unmanaged
    {
        var rng = new Random(c.M * 7919 + c.N * 104729 + c.K * 31 + (c.TransA ? 1 : 0) + (c.TransB ? 2 : 0));
        double[] a = RandomValues<T>(rng, Math.Max(1, c.RowsA * c.Lda));
        double[] b = RandomValues<T>(rng, Math.Max(1, c.RowsB * c.Ldb));
        double[] c0 = RandomValues<T>(rng, Math.Max(1, c.M * c.Ldc));
        if (c.NaNInC) Array.Fill(c0, double.NaN);

        T[] aT = Convert<T>(a), bT = Convert<T>(b), cT = Convert<T>(c0);
        fixed (T* pa = aT, pb = bT, pc = cT) run(pa, pb, pc);

        AssertMatches(c, a, b, c0, cT, 0);
    }

    static void CheckEpilogue<T>(Case c, int threads, bool rowBias, bool colBias, bool relu) where T : unmanaged, System.Numerics.INumber<T>
    {
        var rng = new Random(c.M + 31 * c.N + 7 * c.K + (rowBias ? 1 : 0) + (colBias ? 2 : 0));
        double[] a = RandomValues<T>(rng, Math.Max(1, c.RowsA * c.Lda));
        double[] b = RandomValues<T>(rng, Math.Max(1, c.RowsB * c.Ldb));
        double[] c0 = RandomValues<T>(rng, Math.Max(1, c.M * c.Ldc));
        if (c.NaNInC) Array.Fill(c0, double.NaN);
        double[] rb = RandomValues<T>(rng, c.M), cb = RandomValues<T>(rng, c.N);

        T[] aT = Convert<T>(a), bT = Convert<T>(b), cT = Convert<T>(c0), rbT = Convert<T>(rb), cbT = Convert<T>(cb);
        fixed (T* pa = aT, pb = bT, pc = cT, prb = rbT, pcb = cbT)
        {
            var epilogue = new GemmEpilogue<T>(rowBias ? prb : null, colBias ? pcb : null, relu ? GemmActivation.Relu : GemmActivation.None);
            Gemm.Run(threads, c.TransA, c.TransB, c.M, c.N, c.K, T.CreateChecked(c.Alpha), pa, c.Lda, pb, c.Ldb,
                T.CreateChecked(c.Beta), pc, c.Ldc, epilogue);
        }
        AssertMatches(c, a, b, c0, cT, 0, rowBias ? rb : null, colBias ? cb : null, relu);
    }

    static void CheckBatched<T>(Case c, int count, bool broadcastA, bool broadcastB) where T : unmanaged
    {
        var rng = new Random(count * 17 + c.M + c.N * 3 + c.K * 5 + (broadcastA ? 100 : 0) + (broadcastB ? 200 : 0));
        long itemA = c.RowsA * c.Lda, itemB = c.RowsB * c.Ldb, itemC = c.M * c.Ldc;
        long strideA = broadcastA ? 0 : itemA + 3, strideB = broadcastB ? 0 : itemB + 1, strideC = itemC + 2;
        double[] a = RandomValues<T>(rng, (int)(strideA * (count - 1) + itemA));
        double[] b = RandomValues<T>(rng, (int)(strideB * (count - 1) + itemB));
        double[] c0 = RandomValues<T>(rng, (int)(strideC * (count - 1) + itemC));

        T[] aT = Convert<T>(a), bT = Convert<T>(b), cT = Convert<T>(c0);
        fixed (T* pa = aT, pb = bT, pc = cT)
        {
            if (typeof(T) == typeof(float))
                Gemm.Batched(count, c.TransA, c.TransB, c.M, c.N, c.K, (float)c.Alpha, (float*)pa, c.Lda, strideA,
                    (float*)pb, c.Ldb, strideB, (float)c.Beta, (float*)pc, c.Ldc, strideC);
            else
                Gemm.Batched(count, c.TransA, c.TransB, c.M, c.N, c.K, c.Alpha, (double*)pa, c.Lda, strideA,
                    (double*)pb, c.Ldb, strideB, c.Beta, (double*)pc, c.Ldc, strideC);
        }

        for (int i = 0; i < count; i++)
            AssertMatches(c, a[(int)(i * strideA)..], b[(int)(i * strideB)..], c0[(int)(i * strideC)..], cT, i * strideC);
    }

    /// <summary>
    /// Compares against the double-precision triple loop with a bound that scales with k and the
    /// magnitudes summed, and checks C's padding columns were left alone.
    /// </summary>
    static void AssertMatches<T>(Case c, double[] a, double[] b, double[] cBefore, T[] actual, long offset,
        double[]? rowBias = null, double[]? colBias = null, bool relu = false) where T : unmanaged
    {
        double eps = typeof(T) == typeof(float) ? 6e-8 : 1.2e-16;
        // Dense op(A) (m×k) and op(B)ᵀ (n×k), so each reference entry is one contiguous dot product.
        var opA = new double[c.M * c.K];
        var opBt = new double[c.N * c.K];
        for (int i = 0; i < c.M; i++) for (int p = 0; p < c.K; p++) opA[i * c.K + p] = c.OpA(a, i, p);
        for (int j = 0; j < c.N; j++) for (int p = 0; p < c.K; p++) opBt[j * c.K + p] = c.OpB(b, p, j);

        for (int i = 0; i < c.M; i++)
        {
            for (int j = 0; j < c.Ldc; j++)
            {
                double got = ToDouble(actual[offset + i * c.Ldc + j]);
                double before = cBefore[i * c.Ldc + j];
                if (j >= c.N)
                {
                    Assert.True(got.Equals(before), $"{c}: padding C[{i},{j}] changed from {before} to {got}");
                    continue;
                }
                double dot = 0, magnitude = 0;
                for (int p = 0; p < c.K; p++)
                {
                    double term = opA[i * c.K + p] * opBt[j * c.K + p];
                    dot += term;
                    magnitude += Math.Abs(term);
                }
                double shift = (rowBias?[i] ?? 0) + (colBias?[j] ?? 0);
                double expected = c.Alpha * dot + (c.Beta == 0 ? 0 : c.Beta * before) + shift;
                double bound = 4 * (c.K + 2) * eps * (Math.Abs(c.Alpha) * magnitude + (c.Beta == 0 ? 0 : Math.Abs(c.Beta * before)) + Math.Abs(shift)) + 1e-30;
                if (relu) expected = Math.Max(expected, 0);
                if (!(Math.Abs(got - expected) <= bound))
                    Assert.Fail($"{c}: C[{i},{j}] = {got}, expected {expected} (±{bound:G3})");
            }
        }
    }

    static double[] RandomValues<T>(Random rng, int count)
    {
        var values = new double[count];
        for (int i = 0; i < count; i++) values[i] = typeof(T) == typeof(float) ? (float)(rng.NextDouble() * 2 - 1) : rng.NextDouble() * 2 - 1;
        return values;
    }

    static T[] Convert<T>(double[] values) where T : unmanaged =>
        typeof(T) == typeof(float) ? (T[])(object)values.Select(v => (float)v).ToArray() : (T[])(object)values.ToArray();

    static double ToDouble<T>(T value) where T : unmanaged => typeof(T) == typeof(float) ? (float)(object)value : (double)(object)value;
}

/// <summary>A threaded product whose tile fails must report it, never leave its threads waiting.</summary>
public class GemmFailureTests
{
    /// <summary>The portable kernel, except that one tile call of a chosen number throws.</summary>
    unsafe struct FailingKernel : IGemmKernel<float>
    {
        public static int FailAt;
        static int calls;
        public static void Reset(int failAt) { FailAt = failAt; calls = 0; }
        public static int MR => PortableS.MR;
        public static int NR => PortableS.NR;
        public static int KC => PortableS.KC;
        public static int MC => PortableS.MC;
        public static int NC => PortableS.NC;

        public static void Tile(int kc, float* a, nint aRow, nint aDepth, float* b, float* c, nint ldc, float alpha, float beta, float* nextC)
        {
            if (Interlocked.Increment(ref calls) == FailAt) throw new InvalidOperationException("tile failed");
            PortableS.Tile(kc, a, aRow, aDepth, b, c, ldc, alpha, beta, nextC);
        }

        public static void TilePackingB(int kc, float* a, nint aRow, nint aDepth, float* bSource, nint ldb, float* packedB, float* c, nint ldc, float alpha, float beta, float* nextC) =>
            PortableS.TilePackingB(kc, a, aRow, aDepth, bSource, ldb, packedB, c, ldc, alpha, beta, nextC);

        public static void EdgeTile(int rows, int kc, float* a, nint aRow, nint aDepth, float* b, float* c, nint ldc) =>
            Tile(kc, a, aRow, aDepth, b, c, ldc, 1f, 0f, null);
    }

    [Fact]
    public async Task SharedPackedB_FailingTask_SurfacesInsteadOfHanging()
    {
        // Several depth blocks, so the other threads are waiting on the failed one's rows.
        const int m = 530, n = 301, k = 700;
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        foreach (int failAt in new[] { 1, 40, 400 })
        {
            FailingKernel.Reset(failAt);
            var run = Task.Run(() => Multiply(a, b, c, m, n, k));
            bool finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))) == run;
            Assert.True(finished, $"the product hung after tile call {failAt} failed");
            var error = Assert.IsType<InvalidOperationException>(run.Exception?.InnerException);
            Assert.Equal("tile failed", error.Message);
        }
    }

    static unsafe void Multiply(float[] a, float[] b, float[] c, int m, int n, int k)
    {
        fixed (float* pa = a, pb = b, pc = c)
            GemmParallel<float, FailingKernel>.Run(2, false, false, m, n, k, 1f, pa, k, pb, n, 0f, pc, n, default);
    }
}
