using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// The packed GEMM with an explicit thread count, for conv drivers that thread over the batch and
/// want each product on one thread (a nested threaded GEMM would only split and repack the work).
/// alpha is 1; beta is 0 (C not read) or 1 (accumulate).
/// </summary>
internal static unsafe class ConvGemm
{
    public static void Run<T>(int threads, bool transA, bool transB, int m, int n, int k,
        T* a, int lda, T* b, int ldb, bool accumulate, T* c, int ldc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            Sgemm(threads, transA, transB, m, n, k, (float*)a, lda, (float*)b, ldb, accumulate ? 1f : 0f, (float*)c, ldc);
        else if (typeof(T) == typeof(double))
            Dgemm(threads, transA, transB, m, n, k, (double*)a, lda, (double*)b, ldb, accumulate ? 1.0 : 0.0, (double*)c, ldc);
        else
            throw new NotSupportedException($"Conv: GEMM supports float and double, not {typeof(T).Name}.");
    }

    static void Sgemm(int threads, bool transA, bool transB, int m, int n, int k, float* a, int lda, float* b, int ldb,
        float beta, float* c, int ldc)
    {
        if (Avx512F.IsSupported)
            GemmParallel<float, Avx512SgemmKernel>.Run(threads, transA, transB, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<float, Avx2SgemmKernel>.Run(threads, transA, transB, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
        else
            GemmParallel<float, PortableSgemmKernel>.Run(threads, transA, transB, m, n, k, 1f, a, lda, b, ldb, beta, c, ldc);
    }

    static void Dgemm(int threads, bool transA, bool transB, int m, int n, int k, double* a, int lda, double* b, int ldb,
        double beta, double* c, int ldc)
    {
        if (Avx512F.IsSupported)
            GemmParallel<double, Avx512DgemmKernel>.Run(threads, transA, transB, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<double, Avx2DgemmKernel>.Run(threads, transA, transB, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
        else
            GemmParallel<double, PortableDgemmKernel>.Run(threads, transA, transB, m, n, k, 1.0, a, lda, b, ldb, beta, c, ldc);
    }
}
