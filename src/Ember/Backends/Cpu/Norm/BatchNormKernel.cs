using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Batch normalisation over contiguous [N, C, S] data (S = the product of the spatial dims).
/// Statistics take one pass per channel; normalisation and the input gradient are each one affine
/// map per (n, c) row: y = (x − mean[c])·a[c] + b[c], gx = g·k1[c] + (x − mean[c])·k2[c] + k3[c],
/// with the per-channel constants computed in double.
/// </summary>
internal static unsafe class BatchNormKernel
{
    /// <summary>Per-channel mean and biased variance over N and S.</summary>
    public static void Stats(Tensor x, int n, int c, long s, double[] mean, double[] var)
    {
        var k = new StatsKernel { X = x, N = n, C = c, S = s, Mean = mean, Var = var };
        Dispatch.Float(x.DType, ref k, "BatchNorm");
    }

    /// <summary>(Σ g, Σ g·(x − mean)) per channel: the one reduction pass of the backward.</summary>
    public static void GradSums(Tensor g, Tensor x, int n, int c, long s, double[] mean, double[] sumG, double[] sumGX)
    {
        var k = new GradSumsKernel { G = g, X = x, N = n, C = c, S = s, Mean = mean, SumG = sumG, SumGX = sumGX };
        Dispatch.Float(x.DType, ref k, "BatchNormBackward");
    }

    /// <summary>
    /// Row by row, out = (a − center[c])·scale[c] + offset[c]; or, when b is given,
    /// out = a·scale[c] + (b − center[c])·bScale[c] + offset[c].
    /// </summary>
    public static void Affine(Tensor a, Tensor? b, Tensor output, int n, int c, long s, double[] center, double[] scale, double[]? bScale, double[] offset)
    {
        var k = new AffineKernel { A = a, B = b, Out = output, N = n, C = c, S = s, Center = center, Scale = scale, BScale = bScale, Offset = offset };
        Dispatch.Float(output.DType, ref k, "BatchNorm");
    }

    struct StatsKernel : IFloatKernel
    {
        public Tensor X; public int N, C; public long S; public double[] Mean, Var;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* x = (T*)X.DataPointer;
            int n = N, c = C; long s = S; var mean = Mean; var var = Var;
            double count = (double)n * s;
            Parallelism.For(c, n * s, (c0, c1) =>
            {
                for (long ch = c0; ch < c1; ch++)
                {
                    T shift = x[ch * s]; // any sample of the channel keeps the shifted sums small
                    double s1 = 0, s2 = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var (a, b) = RowMoments.Shifted(Row(x, i, ch, c, s), shift);
                        s1 += a; s2 += b;
                    }
                    double m = s1 / count;
                    mean[ch] = double.CreateTruncating(shift) + m;
                    var[ch] = Math.Max(s2 / count - m * m, 0);
                }
            });
        }
    }

    struct GradSumsKernel : IFloatKernel
    {
        public Tensor G, X; public int N, C; public long S; public double[] Mean, SumG, SumGX;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* g = (T*)G.DataPointer, x = (T*)X.DataPointer;
            int n = N, c = C; long s = S; var mean = Mean; var sumG = SumG; var sumGX = SumGX;
            Parallelism.For(c, 2 * n * s, (c0, c1) =>
            {
                for (long ch = c0; ch < c1; ch++)
                {
                    T m = T.CreateTruncating(mean[ch]);
                    double sg = 0, sgx = 0;
                    for (int i = 0; i < n; i++)
                    {
                        var (a, b) = RowMoments.GradDots(Row(g, i, ch, c, s), Row(x, i, ch, c, s), m);
                        sg += a; sgx += b;
                    }
                    // The shift by the rounded mean is exact to first order: Σg·(x − m) = Σg·(x − mean) + (mean − m)·Σg.
                    sumG[ch] = sg;
                    sumGX[ch] = sgx + (double.CreateTruncating(m) - mean[ch]) * sg;
                }
            });
        }
    }

    struct AffineKernel : IFloatKernel
    {
        public Tensor A; public Tensor? B; public Tensor Out; public int N, C; public long S;
        public double[] Center, Scale, Offset; public double[]? BScale;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* a = (T*)A.DataPointer, o = (T*)Out.DataPointer;
            T* b = B is null ? null : (T*)B.DataPointer;
            int c = C; long s = S; var center = Center; var scale = Scale; var offset = Offset; var bScale = BScale;
            Parallelism.For((long)N * c, s, (r0, r1) =>
            {
                for (long r = r0; r < r1; r++)
                {
                    long ch = r % c;
                    var outRow = new Span<T>(o + r * s, checked((int)s));
                    var aRow = new ReadOnlySpan<T>(a + r * s, outRow.Length);
                    T m = T.CreateTruncating(center[ch]), k1 = T.CreateTruncating(scale[ch]), k3 = T.CreateTruncating(offset[ch]);
                    if (b is null || bScale is null) RowAffine.Map(aRow, m, k1, k3, outRow);
                    else RowAffine.Map(aRow, k1, new ReadOnlySpan<T>(b + r * s, outRow.Length), m, T.CreateTruncating(bScale[ch]), k3, outRow);
                }
            });
        }
    }

    static ReadOnlySpan<T> Row<T>(T* p, int i, long ch, int c, long s) where T : unmanaged
        => new(p + ((long)i * c + ch) * s, checked((int)s));
}
