using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Runs one GEMM on several threads. Large products share their packed blocks of B
/// (<see cref="GemmSharedB{T, TKernel}"/>); smaller ones are cut into one independent sub-product per
/// thread, whose grid is picked to duplicate as little packing as possible.
/// </summary>
internal static unsafe class GemmParallel<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    /// <summary>
    /// Multiply-adds each thread must get for the split to pay for waking it and for the packing it
    /// repeats. Measured on AVX-512 cores: two threads win clearly from 100³ (about 1.3× faster) and
    /// break even at 84³–96³, so the second thread joins from 960k multiply-adds (about 99³).
    /// </summary>
    const long MinWorkPerThread = 480_000;

    /// <summary>C = epilogue(alpha·op(A)·op(B) + beta·C) using up to maxThreads threads. Handles every size.</summary>
    public static void Run(int maxThreads, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == T.Zero)
        {
            GemmScale.ScaleC(m, n, beta, c, ldc);
            epilogue.Apply(c, ldc, m, n);
            return;
        }
        if (GemmSmall<T>.Handles(transA, m, n, k))
        {
            RunSmall(maxThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
            return;
        }

        long work = (long)m * n * k;
        int threads = ThreadsFor(work, maxThreads);
        (int rowParts, int colParts) = ChooseGrid(threads, m, n);
        if (rowParts * colParts == 1)
        {
            GemmDriver<T, TKernel>.Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
            return;
        }

        long perThread = work / threads;
        if (m >= threads * SharedBMinRows && perThread >= (n <= NarrowColumns ? SharedBMinWorkPerThread : WideSharedBMinWorkPerThread))
            GemmSharedB<T, TKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
        else
            RunGrid(rowParts, colParts, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
    }

    /// <summary>Up to maxThreads threads, one per MinWorkPerThread multiply-adds.</summary>
    static int ThreadsFor(long work, int maxThreads) => (int)Math.Clamp(work / MinWorkPerThread, 1, Math.Max(1, maxThreads));

    /// <summary>Products <see cref="GemmSmall{T}"/> computes, their columns shared out when there is enough work.</summary>
    static void RunSmall(int maxThreads, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        int units = (n + Vector<T>.Count - 1) / Vector<T>.Count;
        int threads = Math.Min(ThreadsFor((long)m * n * k, maxThreads), units);
        if (threads <= 1) SmallColumns(0, n, transA, transB, m, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
        else RunSmallSplit(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
    }

    /// <summary><see cref="RunSmall"/> on several threads, apart so a single-threaded call (a batch-1 Linear) allocates no closure.</summary>
    static void RunSmallSplit(int threads, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        int width = Vector<T>.Count, units = (n + width - 1) / width;
        Parallelism.Run(threads, part => SmallColumns(Boundary(n, units, part, threads, width), Boundary(n, units, part + 1, threads, width),
            transA, transB, m, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue));
    }

    /// <summary>Columns [j0, j1) of a <see cref="GemmSmall{T}"/> product.</summary>
    static void SmallColumns(int j0, int j1, bool transA, bool transB, int m, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue)
    {
        if (j1 <= j0) return;
        GemmSmall<T>.Run(transA, transB, m, j1 - j0, k, alpha, a, lda, transB ? b + j0 * ldb : b + j0, ldb, beta, c + j0, ldc);
        epilogue.At(0, j0).Apply(c + j0, ldc, m, j1 - j0);
    }

    /// <summary>
    /// C = epilogue(alpha·op(A)·B + beta·C) with B (k×n) packed whole by
    /// <see cref="GemmDriver{T, TKernel}.PackWhole"/>. A few rows (a recurrent step's batch) split B's
    /// columns, so each thread keeps reading its own part of B from its own cache; more rows split C's rows.
    /// </summary>
    public static void RunPacked(int maxThreads, bool transA, int m, int n, int k, T alpha, T* a, nint lda,
        T* packedB, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == T.Zero)
        {
            GemmScale.ScaleC(m, n, beta, c, ldc);
            epilogue.Apply(c, ldc, m, n);
            return;
        }
        int threads = ThreadsFor((long)m * n * k, maxThreads);
        int rowUnits = (m + TKernel.MR - 1) / TKernel.MR, colUnits = (n + TKernel.NR - 1) / TKernel.NR;
        bool splitColumns = m <= TKernel.MC && colUnits >= threads;
        threads = Math.Min(threads, splitColumns ? colUnits : rowUnits);
        if (threads <= 1) GemmDriver<T, TKernel>.RunPacked(transA, m, n, 0, n, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
        else RunPackedSplit(threads, splitColumns, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
    }

    /// <summary><see cref="RunPacked"/> on several threads, apart so a single-threaded call (a recurrent layer's every step) allocates no closure.</summary>
    static void RunPackedSplit(int threads, bool splitColumns, bool transA, int m, int n, int k, T alpha, T* a, nint lda,
        T* packedB, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        int rowUnits = (m + TKernel.MR - 1) / TKernel.MR, colUnits = (n + TKernel.NR - 1) / TKernel.NR;
        Parallelism.Run(threads, part =>
        {
            if (splitColumns)
            {
                int j0 = Boundary(n, colUnits, part, threads, TKernel.NR), j1 = Boundary(n, colUnits, part + 1, threads, TKernel.NR);
                if (j1 > j0) GemmDriver<T, TKernel>.RunPacked(transA, m, n, j0, j1, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
                return;
            }
            int i0 = Boundary(m, rowUnits, part, threads, TKernel.MR), i1 = Boundary(m, rowUnits, part + 1, threads, TKernel.MR);
            if (i1 <= i0) return;
            GemmDriver<T, TKernel>.RunPacked(transA, i1 - i0, n, 0, n, k, alpha, transA ? a + i0 : a + i0 * lda, lda,
                packedB, beta, c + i0 * ldc, ldc, epilogue.At(i0, 0));
        });
    }

    /// <summary>
    /// Multiply-adds per thread from which sharing packed B pays for its hand-overs between threads;
    /// below it the independent grid is cheaper.
    /// </summary>
    const long SharedBMinWorkPerThread = 16L << 20;

    /// <summary>
    /// The same for products wider than <see cref="NarrowColumns"/>. Their packed B takes a depth block
    /// or more for each pass over C, and every block begins with all threads packing it together, so the
    /// independent grid wins up to larger products. Alternated call by call with calls back to back on
    /// two threads, the grid against shared blocks: 384³ 1.16×, 512³ 1.08–1.12×, 1024×128×1000 1.05×,
    /// 1024×512×128 1.06× faster; 640³ 1.02–1.06×, 768³ 0.99–1.05×, 1024³ 0.995×, 2048×256×256 1.00×.
    /// </summary>
    const long WideSharedBMinWorkPerThread = 80L << 20;

    /// <summary>
    /// Columns up to which a product counts as narrow: B is small and packed in one go, and sharing it
    /// costs little while the queue of row blocks evens out two cores of unequal speed. The grid ran
    /// 5408×288×64 0.88× and 10816×288×64 0.81–0.96× as fast as shared blocks.
    /// </summary>
    const int NarrowColumns = 64;

    /// <summary>
    /// Rows of C each thread must get for row blocks to be worth queueing. Flatter products split their
    /// columns instead (each thread packs its own B columns and the few rows of A), which measured
    /// faster for the MLP's 128×784×512.
    /// </summary>
    const int SharedBMinRows = 128;

    /// <summary>One independent sub-product of C per thread, cut on tile boundaries.</summary>
    static void RunGrid(int rowParts, int colParts, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue)
    {
        int rowUnits = (m + TKernel.MR - 1) / TKernel.MR, colUnits = (n + TKernel.NR - 1) / TKernel.NR;
        Parallelism.Run(rowParts * colParts, part =>
        {
            int pr = part / colParts, pn = part % colParts;
            int i0 = Boundary(m, rowUnits, pr, rowParts, TKernel.MR), i1 = Boundary(m, rowUnits, pr + 1, rowParts, TKernel.MR);
            int j0 = Boundary(n, colUnits, pn, colParts, TKernel.NR), j1 = Boundary(n, colUnits, pn + 1, colParts, TKernel.NR);
            if (i1 <= i0 || j1 <= j0) return;
            T* aPart = transA ? a + i0 : a + i0 * lda;
            T* bPart = transB ? b + j0 * ldb : b + j0;
            GemmDriver<T, TKernel>.Run(transA, transB, i1 - i0, j1 - j0, k, alpha,
                aPart, lda, bPart, ldb, beta, c + i0 * ldc + j0, ldc, epilogue.At(i0, j0));
        });
    }

    /// <summary>Start of part `part` of `parts` when `units` tiles of `tile` elements (total `size`) are shared out.</summary>
    static int Boundary(int size, int units, int part, int parts, int tile) =>
        (int)Math.Min(size, (long)units * part / parts * tile);

    /// <summary>
    /// rowParts × colParts = threads (or fewer when the matrix is too narrow), minimising the packing
    /// work all threads repeat: k·(colParts·m + rowParts·n). A tie splits rows: then B is what each
    /// thread packs whole, a copy hidden in its first tiles, where A would need a transpose; each thread's
    /// C is whole rows too. Alternated call by call with the column split on two threads: 1.09–1.13×
    /// faster at 256³, 1.10× at 200³, 1.02× at 320³.
    /// </summary>
    static (int RowParts, int ColParts) ChooseGrid(int threads, int m, int n)
    {
        int rowUnits = (m + TKernel.MR - 1) / TKernel.MR, colUnits = (n + TKernel.NR - 1) / TKernel.NR;
        for (int t = threads; t > 1; t--)
        {
            (int, int) best = (0, 0);
            long bestCost = long.MaxValue;
            for (int rows = 1; rows <= t; rows++)
            {
                if (t % rows != 0) continue;
                int cols = t / rows;
                if (rows > rowUnits || cols > colUnits) continue;
                long cost = (long)cols * m + (long)rows * n;
                if (cost <= bestCost) (best, bestCost) = ((rows, cols), cost);
            }
            if (bestCost != long.MaxValue) return best;
        }
        return (1, 1);
    }
}
