using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// Row-major GEMM: C[m,n] = alpha·op(A)[m,k]·op(B)[k,n] + beta·C. With transA, A is stored k×m (row
/// stride lda) and used transposed; likewise B. beta == 0 means C is never read. The micro-kernel is
/// picked from the instruction sets present (AVX-512, AVX2+FMA, else portable 128-bit vectors); the
/// checks are JIT-time constants, so the choice costs nothing per call.
/// </summary>
internal static unsafe class Gemm
{
    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
        => Sgemm(Threading.NumThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        double* b, int ldb, double beta, double* c, int ldc)
        => Dgemm(Threading.NumThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>count independent products; strides are in elements, 0 broadcasts one operand to all.</summary>
    public static void SgemmBatched(int count, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, long strideA, float* b, int ldb, long strideB, float beta, float* c, int ldc, long strideC)
    {
        GemmBatching.Run(count, (long)m * n * k, (first, end, threads) =>
        {
            for (long i = first; i < end; i++)
                Sgemm(threads, transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb,
                    beta, c + i * strideC, ldc);
        });
    }

    /// <summary>count independent products; strides are in elements, 0 broadcasts one operand to all.</summary>
    public static void DgemmBatched(int count, bool transA, bool transB, int m, int n, int k, double alpha,
        double* a, int lda, long strideA, double* b, int ldb, long strideB, double beta, double* c, int ldc, long strideC)
    {
        GemmBatching.Run(count, (long)m * n * k, (first, end, threads) =>
        {
            for (long i = first; i < end; i++)
                Dgemm(threads, transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb,
                    beta, c + i * strideC, ldc);
        });
    }

    /// <summary>Sgemm on at most <paramref name="threads"/> threads (1: on the calling thread), for drivers that thread at a higher level.</summary>
    internal static void Sgemm(int threads, bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
    {
        if (Avx512F.IsSupported)
            GemmParallel<float, Avx512SgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<float, Avx2SgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            GemmParallel<float, PortableSgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Dgemm on at most <paramref name="threads"/> threads.</summary>
    internal static void Dgemm(int threads, bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        double* b, int ldb, double beta, double* c, int ldc)
    {
        if (Avx512F.IsSupported)
            GemmParallel<double, Avx512DgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<double, Avx2DgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else
            GemmParallel<double, PortableDgemmKernel>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }
}
