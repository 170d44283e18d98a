using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// Fused softmax–cross-entropy over contiguous logits seen as [N, C, S]: each position's C logits
/// (a row when S = 1, a column of stride S otherwise, gathered into a buffer) are reduced to a stable
/// log-sum-exp and the loss, and backward writes (softmax − target) · g without ever storing
/// log-probabilities. Class-index targets take a per-position weight w[t] (0 when ignored);
/// probability targets a per-class weight. ε is the label smoothing.
/// </summary>
internal static unsafe class CrossEntropyKernel
{
    /// <summary>The layout and the targets' part of one call.</summary>
    public readonly record struct Problem(int N, int C, int S, double Eps, double[]? ClassWeights)
    {
        public long Positions => (long)N * S;
        /// <summary>Σ_c w_c (C when unweighted).</summary>
        public double WeightTotal => ClassWeights is null ? C : ClassWeights.Sum();
        public double W(int c) => ClassWeights is null ? 1.0 : ClassWeights[c];
    }

    /// <summary>
    /// Class indices: loss_p = (1 − ε)·w_t·(lse − x_t) + (ε/C)·Σ_c w_c·(lse − x_c), with lse_p returned for backward.
    /// </summary>
    public static void ForwardIndex<T>(T* x, Problem pr, long[] targets, long ignoreIndex, double[] positionWeights, double[] lse, double[] losses)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = pr.C, s = pr.S;
        double eps = pr.Eps;
        Parallelism.For(pr.Positions, 4L * c, (start, end) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(2 * c);
            var buf = rented.AsSpan(0, c);
            var col = rented.AsSpan(c, c);
            for (long p = start; p < end; p++)
            {
                var row = Row(x, p, c, s, col);
                double l = LogSumExp(row, buf);
                lse[p] = l;
                if (targets[p] == ignoreIndex) { losses[p] = 0; continue; }
                double wt = positionWeights[p];
                double loss = (1 - eps) * wt * (l - double.CreateTruncating(row[(int)targets[p]]));
                if (eps > 0)
                {
                    double smooth = 0;
                    for (int k = 0; k < c; k++) smooth += pr.W(k) * (l - double.CreateTruncating(row[k]));
                    loss += eps / c * smooth;
                }
                losses[p] = loss;
            }
            ArrayPool<T>.Shared.Return(rented);
        });
    }

    /// <summary>dx = g_p·[(1 − ε)·w_t·(softmax − onehot_t) + (ε/C)·(W·softmax − w)], 0 at ignored positions.</summary>
    public static void BackwardIndex<T>(T* x, T* dx, Problem pr, long[] targets, long ignoreIndex, double[] positionWeights, double[] lse, Func<long, double> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = pr.C, s = pr.S;
        double eps = pr.Eps, total = pr.WeightTotal;
        Parallelism.For(pr.Positions, 4L * c, (start, end) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(2 * c);
            var d = rented.AsSpan(0, c);
            var col = rented.AsSpan(c, c);
            for (long p = start; p < end; p++)
            {
                if (targets[p] == ignoreIndex) { d.Clear(); Store(dx, p, c, s, d); continue; }
                double wt = positionWeights[p];
                double gp = g(p);
                var row = Row(x, p, c, s, col);
                TensorPrimitives.Subtract(row, T.CreateTruncating(lse[p]), d);
                TensorPrimitives.Exp(d, d);
                TensorPrimitives.Multiply(d, T.CreateTruncating(gp * ((1 - eps) * wt + eps / c * total)), d);
                int t = (int)targets[p];
                d[t] -= T.CreateTruncating(gp * (1 - eps) * wt);
                if (eps > 0)
                {
                    if (pr.ClassWeights is null) TensorPrimitives.Subtract(d, T.CreateTruncating(gp * eps / c), d);
                    else for (int k = 0; k < c; k++) d[k] -= T.CreateTruncating(gp * eps / c * pr.ClassWeights[k]);
                }
                Store(dx, p, c, s, d);
            }
            ArrayPool<T>.Shared.Return(rented);
        });
    }

    /// <summary>Probabilities y (same layout as x): loss_p = Σ_c w_c·y'_c·(lse − x_c), y' = (1 − ε)·y + ε/C.</summary>
    public static void ForwardProb<T>(T* x, T* y, Problem pr, double[] lse, double[] losses)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = pr.C, s = pr.S;
        double eps = pr.Eps;
        Parallelism.For(pr.Positions, 4L * c, (start, end) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(3 * c);
            var buf = rented.AsSpan(0, c);
            var col = rented.AsSpan(c, c);
            var tcol = rented.AsSpan(2 * c, c);
            for (long p = start; p < end; p++)
            {
                var row = Row(x, p, c, s, col);
                var trow = Row(y, p, c, s, tcol);
                double l = LogSumExp(row, buf);
                lse[p] = l;
                double loss = 0;
                for (int k = 0; k < c; k++)
                    loss += pr.W(k) * ((1 - eps) * double.CreateTruncating(trow[k]) + eps / c) * (l - double.CreateTruncating(row[k]));
                losses[p] = loss;
            }
            ArrayPool<T>.Shared.Return(rented);
        });
    }

    /// <summary>dx_c = g_p·(softmax_c·Σ_k w_k·y'_k − w_c·y'_c); dy_c = g_p·(1 − ε)·w_c·(lse − x_c). Either output may be null.</summary>
    public static void BackwardProb<T>(T* x, T* y, T* dx, T* dy, Problem pr, double[] lse, Func<long, double> g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = pr.C, s = pr.S;
        double eps = pr.Eps;
        Parallelism.For(pr.Positions, 4L * c, (start, end) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(3 * c);
            var col = rented.AsSpan(0, c);
            var tcol = rented.AsSpan(c, c);
            var d = rented.AsSpan(2 * c, c);
            for (long p = start; p < end; p++)
            {
                var row = Row(x, p, c, s, col);
                var trow = Row(y, p, c, s, tcol);
                double gp = g(p), l = lse[p];
                if (dx != null)
                {
                    double b = 0;
                    for (int k = 0; k < c; k++) b += pr.W(k) * ((1 - eps) * double.CreateTruncating(trow[k]) + eps / c);
                    for (int k = 0; k < c; k++)
                    {
                        double xk = double.CreateTruncating(row[k]), tk = (1 - eps) * double.CreateTruncating(trow[k]) + eps / c;
                        d[k] = T.CreateTruncating(gp * (Math.Exp(xk - l) * b - pr.W(k) * tk));
                    }
                    Store(dx, p, c, s, d);
                }
                if (dy != null)
                {
                    for (int k = 0; k < c; k++)
                        d[k] = T.CreateTruncating(gp * (1 - eps) * pr.W(k) * (l - double.CreateTruncating(row[k])));
                    Store(dy, p, c, s, d);
                }
            }
            ArrayPool<T>.Shared.Return(rented);
        });
    }

    static double LogSumExp<T>(ReadOnlySpan<T> row, Span<T> buf) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(row);
        if (T.IsInfinity(max)) return double.CreateTruncating(max); // all −∞ (or a +∞): no finite shift exists
        TensorPrimitives.Subtract(row, max, buf);
        TensorPrimitives.Exp(buf, buf);
        return double.CreateTruncating(max) + Math.Log(double.CreateTruncating(TensorPrimitives.Sum<T>(buf)));
    }

    /// <summary>Position p's C values: the row itself when S = 1, else the strided column copied into <paramref name="col"/>.</summary>
    static ReadOnlySpan<T> Row<T>(T* x, long p, int c, int s, Span<T> col) where T : unmanaged
    {
        if (s == 1) return new ReadOnlySpan<T>(x + p * c, c);
        T* b = x + p / s * c * (long)s + p % s;
        for (int k = 0; k < c; k++) col[k] = b[(long)k * s];
        return col;
    }

    static void Store<T>(T* dst, long p, int c, int s, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (s == 1) { values.CopyTo(new Span<T>(dst + p * c, c)); return; }
        T* b = dst + p / s * c * (long)s + p % s;
        for (int k = 0; k < c; k++) b[(long)k * s] = values[k];
    }
}
