using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// The max or min along one dim together with its index: the kernel behind Max(dim), Min(dim),
/// ArgMax and ArgMin. Like PyTorch, ties go to the first occurrence and NaN counts as the extreme
/// (the first NaN wins), so NaN propagates into the values.
/// </summary>
internal static unsafe class ArgReduction
{
    const int ColumnBlock = 1024;

    /// <summary>
    /// Fills <paramref name="values"/> (x's dtype) and <paramref name="indices"/> (Int64), both holding
    /// Outer × Inner elements, from the contiguous <paramref name="x"/> seen as <paramref name="split"/> (Size ≥ 1).
    /// </summary>
    public static void Run(Tensor x, DimSplit split, bool max, Tensor values, Tensor indices)
    {
        var k = new Kernel { X = x, Values = values, Indices = indices, Split = split, Max = max };
        Dispatch.Numeric(x.DType, ref k);
    }

    struct Kernel : INumericKernel
    {
        public Tensor X, Values, Indices; public DimSplit Split; public bool Max;

        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* xp = (T*)X.DataPointer, vp = (T*)Values.DataPointer;
            long* ip = (long*)Indices.DataPointer;
            int n = Split.Size;
            long inner = Split.Inner;
            bool max = Max;
            if (inner == 1)
            {
                // Contiguous rows: a vectorised extreme, then a short scan for its first position.
                Parallelism.For(Split.Outer, n, (s, e) =>
                {
                    for (long o = s; o < e; o++)
                    {
                        var row = new ReadOnlySpan<T>(xp + o * n, n);
                        int at = FirstIndexOf(row, max ? TensorPrimitives.Max(row) : TensorPrimitives.Min(row));
                        vp[o] = row[at]; // the element itself: -0 stays -0 where it came first
                        ip[o] = at;
                    }
                });
                return;
            }
            // Columns: compare rows of a block of columns against the running best, streaming through
            // memory; blocks (not just outer indices) are the parallel tasks, so Max(0) of a wide matrix uses every thread.
            long blocks = (inner + ColumnBlock - 1) / ColumnBlock;
            Parallelism.For(Split.Outer * blocks, (long)n * Math.Min(inner, ColumnBlock), (s, e) =>
            {
                for (long t = s; t < e; t++)
                {
                    long o = t / blocks, j0 = t % blocks * ColumnBlock;
                    int w = (int)Math.Min(ColumnBlock, inner - j0);
                    T* v = vp + o * inner + j0;
                    long* ix = ip + o * inner + j0;
                    T* x0 = xp + o * n * inner + j0;
                    new ReadOnlySpan<T>(x0, w).CopyTo(new Span<T>(v, w));
                    new Span<long>(ix, w).Clear();
                    for (int r = 1; r < n; r++)
                    {
                        T* row = x0 + r * inner;
                        for (int j = 0; j < w; j++)
                        {
                            T a = row[j], b = v[j];
                            if (T.IsNaN(b)) continue;
                            if (T.IsNaN(a) || (max ? a > b : a < b)) { v[j] = a; ix[j] = r; }
                        }
                    }
                }
            });
        }

        static int FirstIndexOf<T>(ReadOnlySpan<T> row, T target) where T : unmanaged, INumber<T>
        {
            if (T.IsNaN(target))
            {
                for (int i = 0; i < row.Length; i++) if (T.IsNaN(row[i])) return i;
            }
            else
            {
                for (int i = 0; i < row.Length; i++) if (row[i] == target) return i;
            }
            return 0;
        }
    }
}
