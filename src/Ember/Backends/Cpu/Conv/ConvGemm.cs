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
            Gemm.Sgemm(threads, transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, accumulate ? 1f : 0f, (float*)c, ldc);
        else if (typeof(T) == typeof(double))
            Gemm.Dgemm(threads, transA, transB, m, n, k, 1.0, (double*)a, lda, (double*)b, ldb, accumulate ? 1.0 : 0.0, (double*)c, ldc);
        else
            throw new NotSupportedException($"Conv: GEMM supports float and double, not {typeof(T).Name}.");
    }
}
