using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// Layer normalisation over contiguous [rows, D] data: per row one statistics pass (shifted sums)
/// and one affine pass; backward is one reduction pass and one map per row, with the weight and
/// bias gradients summed per thread and then across threads.
/// </summary>
internal static unsafe class LayerNormKernel
{
    /// <summary>y = (x − mean)·rstd·w + b per row; fills mean and rstd (per row) for backward.</summary>
    public static void Forward(Tensor x, Tensor? weight, Tensor? bias, Tensor y, long rows, int d, double eps, double[] mean, double[] rstd)
    {
        var k = new ForwardKernel { X = x, Wt = weight, B = bias, Y = y, Rows = rows, D = d, Eps = eps, Mean = mean, Rstd = rstd };
        Dispatch.Float(x.DType, ref k, "LayerNorm");
    }

    /// <summary>gx, and (when not null) the weight and bias gradients, from g, x and the saved statistics.</summary>
    public static void Backward(Tensor g, Tensor x, Tensor? weight, double[] mean, double[] rstd, long rows, int d, Tensor gx, Tensor? gw, Tensor? gb)
    {
        var k = new BackwardKernel { G = g, X = x, Wt = weight, Mean = mean, Rstd = rstd, Rows = rows, D = d, GX = gx, GW = gw, GB = gb };
        Dispatch.Float(x.DType, ref k, "LayerNormBackward");
    }

    struct ForwardKernel : IFloatKernel
    {
        public Tensor X, Y; public Tensor? Wt, B; public long Rows; public int D; public double Eps; public double[] Mean, Rstd;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* x = (T*)X.DataPointer, y = (T*)Y.DataPointer;
            T* w = Wt is null ? null : (T*)Wt.DataPointer, b = B is null ? null : (T*)B.DataPointer;
            int d = D; double eps = Eps; var mean = Mean; var rstd = Rstd;
            Parallelism.For(Rows, 3L * d, (r0, r1) =>
            {
                for (long r = r0; r < r1; r++)
                {
                    var xr = new ReadOnlySpan<T>(x + r * d, d);
                    var yr = new Span<T>(y + r * d, d);
                    T shift = xr[0];
                    var (s1, s2) = RowMoments.Shifted(xr, shift);
                    double m = s1 / d, var = Math.Max(s2 / d - m * m, 0), rs = 1 / Math.Sqrt(var + eps);
                    mean[r] = double.CreateTruncating(shift) + m;
                    rstd[r] = rs;
                    RowAffine.Map(xr, T.CreateTruncating(mean[r]), T.CreateTruncating(rs), T.Zero, yr);
                    if (w != null && b != null) TensorPrimitives.MultiplyAdd(yr, new ReadOnlySpan<T>(w, d), new ReadOnlySpan<T>(b, d), yr);
                    else if (w != null) TensorPrimitives.Multiply(yr, new ReadOnlySpan<T>(w, d), yr);
                    else if (b != null) TensorPrimitives.Add(yr, new ReadOnlySpan<T>(b, d), yr);
                }
            });
        }
    }

    struct BackwardKernel : IFloatKernel
    {
        public Tensor G, X, GX; public Tensor? Wt, GW, GB; public double[] Mean, Rstd; public long Rows; public int D;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* g = (T*)G.DataPointer, x = (T*)X.DataPointer, gx = (T*)GX.DataPointer;
            T* w = Wt is null ? null : (T*)Wt.DataPointer;
            bool wantW = GW is not null, wantB = GB is not null;
            int d = D; long rows = Rows; var mean = Mean; var rstd = Rstd;
            int chunks = Parallelism.ChunkCount(rows, 6L * d);
            var gwParts = new T[wantW ? chunks : 0][];
            var gbParts = new T[wantB ? chunks : 0][];
            Parallelism.Run(chunks, t =>
            {
                long r0 = rows * t / chunks, r1 = rows * (t + 1) / chunks;
                var tmp = new T[d];
                var xhat = wantW ? new T[d] : null;
                var gw = wantW ? gwParts[t] = new T[d] : null;
                var gb = wantB ? gbParts[t] = new T[d] : null;
                for (long r = r0; r < r1; r++)
                {
                    var gr = new ReadOnlySpan<T>(g + r * d, d);
                    var xr = new ReadOnlySpan<T>(x + r * d, d);
                    T m = T.CreateTruncating(mean[r]);
                    double rs = rstd[r];
                    // gy = g·w; gx = rstd·(gy − mean(gy) − x̂·mean(gy·x̂)), x̂ = (x − mean)·rstd.
                    ReadOnlySpan<T> gy = gr;
                    if (w != null) { TensorPrimitives.Multiply(gr, new ReadOnlySpan<T>(w, d), tmp); gy = tmp; }
                    var (sg, sgx) = RowMoments.GradDots(gy, xr, m);
                    double k2 = -rs * rs * rs * sgx / d, k3 = -rs * sg / d;
                    RowAffine.Map(gy, T.CreateTruncating(rs), xr, m, T.CreateTruncating(k2), T.CreateTruncating(k3), new Span<T>(gx + r * d, d));
                    if (gw is not null)
                    {
                        RowAffine.Map(xr, m, T.CreateTruncating(rs), T.Zero, xhat);
                        TensorPrimitives.MultiplyAdd(gr, xhat, gw, gw);
                    }
                    if (gb is not null) TensorPrimitives.Add(gb, gr, gb);
                }
            });
            if (GW is not null) SumParts(gwParts, new Span<T>(GW.DataPointer, d));
            if (GB is not null) SumParts(gbParts, new Span<T>(GB.DataPointer, d));
        }
    }

    static void SumParts<T>(T[][] parts, Span<T> total) where T : unmanaged, IFloatingPointIeee754<T>
    {
        total.Clear();
        foreach (var p in parts) TensorPrimitives.Add(total, p, total);
    }
}
