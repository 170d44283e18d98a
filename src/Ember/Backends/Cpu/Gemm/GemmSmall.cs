using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>
/// Products computed straight from the operands: tiny ones, where packing and tile bookkeeping would
/// cost more than the arithmetic, and those with one or two rows (a batch-1 Linear), where packing B
/// would copy all of it for a single use and a register tile would compute MR rows for one. Each row
/// of C is accumulated in registers: across rows of B when B is stored k×n, or as dot products when
/// B is stored n×k (then both operands are contiguous in k).
/// </summary>
internal static unsafe class GemmSmall<T> where T : unmanaged, INumber<T>
{
    /// <summary>Multiply-adds at or below which the direct loops beat the packed kernels.</summary>
    const long MaxWork = 8L * 8 * 8;

    /// <summary>Bounds the stack copy of one row of op(A).</summary>
    const int MaxDepth = 1024;

    /// <summary>Rows of C up to which every product is computed row by row.</summary>
    const int MaxRows = 2;

    public static bool Handles(bool transA, int m, int n, int k) =>
        (m <= MaxRows || (long)m * n * k <= MaxWork) && (!transA || k <= MaxDepth);

    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc)
    {
        // A transposed row is gathered so both paths read it contiguously; k ≤ MaxDepth keeps it small.
        T* gathered = stackalloc T[transA ? k : 0];
        for (int i = 0; i < m; i++)
        {
            T* rowA = a + i * lda;
            if (transA)
            {
                for (int p = 0; p < k; p++) gathered[p] = a[p * lda + i];
                rowA = gathered;
            }

            T* cRow = c + i * ldc;
            if (transB) DotRow(rowA, k, b, ldb, n, alpha, beta, cRow);
            else AxpyRow(rowA, k, b, ldb, n, alpha, beta, cRow);
        }
    }

    /// <summary>cRow[j] = alpha·Σp rowA[p]·B[p, j] + beta·cRow[j], a few vectors of columns at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void AxpyRow(T* rowA, int k, T* b, nint ldb, int n, T alpha, T beta, T* cRow)
    {
        int width = Vector<T>.Count;
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; j + 2 * width <= n; j += 2 * width)
            {
                Vector<T> acc0 = Vector<T>.Zero, acc1 = Vector<T>.Zero;
                T* bCol = b + j;
                for (int p = 0; p < k; p++, bCol += ldb)
                {
                    var s = new Vector<T>(rowA[p]);
                    acc0 += s * Vector.Load(bCol);
                    acc1 += s * Vector.Load(bCol + width);
                }
                Finish(acc0, alpha, beta, cRow + j);
                Finish(acc1, alpha, beta, cRow + j + width);
            }
            for (; j + width <= n; j += width)
            {
                Vector<T> acc = Vector<T>.Zero;
                T* bCol = b + j;
                for (int p = 0; p < k; p++, bCol += ldb) acc += new Vector<T>(rowA[p]) * Vector.Load(bCol);
                Finish(acc, alpha, beta, cRow + j);
            }
        }
        for (; j < n; j++)
        {
            T dot = T.Zero;
            T* bCol = b + j;
            for (int p = 0; p < k; p++, bCol += ldb) dot += rowA[p] * *bCol;
            Store(dot, alpha, beta, cRow + j);
        }
    }

    /// <summary>cRow[j] = alpha·Σp rowA[p]·B[j, p] + beta·cRow[j] for B stored n×k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void DotRow(T* rowA, int k, T* b, nint ldb, int n, T alpha, T beta, T* cRow)
    {
        int width = Vector<T>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? k - k % width : 0;
        for (int j = 0; j < n; j++)
        {
            T* bRow = b + j * ldb;
            Vector<T> acc = Vector<T>.Zero;
            int p = 0;
            for (; p < vectorEnd; p += width) acc += Vector.Load(rowA + p) * Vector.Load(bRow + p);
            T dot = Vector.Sum(acc);
            for (; p < k; p++) dot += rowA[p] * bRow[p];
            Store(dot, alpha, beta, cRow + j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Finish(Vector<T> acc, T alpha, T beta, T* c)
    {
        acc *= alpha;
        if (beta != T.Zero) acc += Vector.Load(c) * beta;
        Vector.Store(acc, c);
    }

    /// <summary>*c = alpha·dot + beta·*c, never reading c when beta is zero (it may hold NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(T dot, T alpha, T beta, T* c) => *c = beta == T.Zero ? alpha * dot : alpha * dot + beta * *c;
}
