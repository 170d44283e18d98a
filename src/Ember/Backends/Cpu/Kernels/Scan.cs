using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Scans along one dim of a contiguous tensor: the cumulative sum (forward or from the end, which is
/// CumSum's backward) and the product of all other elements (Prod's backward, exact with zeros).
/// Work is cut into (outer, block of Inner) tasks so a scan over the leading dim still uses every thread.
/// </summary>
internal static unsafe class Scan
{
    const int ColumnBlock = 1024;

    /// <summary>y = cumulative sum of x along <paramref name="split"/>; x and y contiguous, same dtype.</summary>
    public static void CumSum(Tensor x, Tensor y, DimSplit split, bool reverse)
    {
        var k = new CumSumKernel { X = x, Y = y, Split = split, Reverse = reverse };
        Dispatch.Numeric(x.DType, ref k);
    }

    /// <summary>y[i] = product of x[j] for every j ≠ i along <paramref name="split"/>, from prefix and suffix products.</summary>
    public static void ProductOfOthers(Tensor x, Tensor y, DimSplit split)
    {
        var k = new OthersKernel { X = x, Y = y, Split = split };
        Dispatch.Numeric(x.DType, ref k);
    }

    /// <summary>Runs body(o, j0, width) over every (outer index, column block) pair, in parallel when worth it.</summary>
    static void ForBlocks(DimSplit split, Action<long, long, int> body)
    {
        long inner = split.Inner;
        long blocks = (inner + ColumnBlock - 1) / ColumnBlock;
        long tasks = split.Outer * blocks;
        Parallelism.For(tasks, (long)split.Size * Math.Min(inner, ColumnBlock), (s, e) =>
        {
            for (long t = s; t < e; t++)
            {
                long j0 = t % blocks * ColumnBlock;
                body(t / blocks, j0, (int)Math.Min(ColumnBlock, inner - j0));
            }
        });
    }

    struct CumSumKernel : INumericKernel
    {
        public Tensor X, Y; public DimSplit Split; public bool Reverse;

        public void Run<T>() where T : unmanaged, INumber<T>
        {
            // Float32 sums run in double, as PyTorch's CPU cumsum does: long scans stay accurate.
            if (typeof(T) == typeof(float)) Sum<float, double>((float*)X.DataPointer, (float*)Y.DataPointer, Split, Reverse);
            else Sum<T, T>((T*)X.DataPointer, (T*)Y.DataPointer, Split, Reverse);
        }

        static void Sum<T, TAcc>(T* x, T* y, DimSplit split, bool reverse) where T : unmanaged, INumber<T> where TAcc : unmanaged, INumber<TAcc>
        {
            int n = split.Size;
            long inner = split.Inner;
            ForBlocks(split, (o, j0, w) =>
            {
                Span<TAcc> acc = stackalloc TAcc[w];
                acc.Clear();
                for (int k = 0; k < n; k++)
                {
                    int r = reverse ? n - 1 - k : k;
                    long at = (o * n + r) * inner + j0;
                    for (int j = 0; j < w; j++)
                    {
                        acc[j] += TAcc.CreateTruncating(x[at + j]);
                        y[at + j] = T.CreateTruncating(acc[j]);
                    }
                }
            });
        }
    }

    struct OthersKernel : INumericKernel
    {
        public Tensor X, Y; public DimSplit Split;

        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* x = (T*)X.DataPointer, y = (T*)Y.DataPointer;
            int n = Split.Size;
            long inner = Split.Inner;
            ForBlocks(Split, (o, j0, w) =>
            {
                Span<T> acc = stackalloc T[w];
                acc.Fill(T.One);
                for (int r = 0; r < n; r++) // y = product of the elements before
                {
                    long at = (o * n + r) * inner + j0;
                    for (int j = 0; j < w; j++) { y[at + j] = acc[j]; acc[j] *= x[at + j]; }
                }
                acc.Fill(T.One);
                for (int r = n - 1; r >= 0; r--) // times the product of the elements after
                {
                    long at = (o * n + r) * inner + j0;
                    for (int j = 0; j < w; j++) { y[at + j] *= acc[j]; acc[j] *= x[at + j]; }
                }
            });
        }
    }
}
