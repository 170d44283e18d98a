using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// Row-major GEMM: C[m,n] = epilogue(alpha·op(A)[m,k]·op(B)[k,n] + beta·C). With transA, A is stored
/// k×m (row stride lda) and used transposed; likewise B. beta == 0 means C is never read. The
/// micro-kernel is picked from the instruction sets present (AVX-512, AVX2+FMA, else 128-bit vectors);
/// the checks are JIT-time constants, so the choice costs nothing per call.
/// </summary>
internal static unsafe class Gemm
{
    /// <summary>The product on at most <paramref name="threads"/> threads (1: on the calling thread), for float or double.</summary>
    public static void Run<T>(int threads, bool transA, bool transB, int m, int n, int k, T alpha, T* a, nint lda,
        T* b, nint ldb, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue = default) where T : unmanaged, INumber<T>
    {
        if (Avx512F.IsSupported)
            GemmParallel<T, GemmMicroKernel<T, Vector512<T>, V512<T>, Avx512Tiling>>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<T, GemmMicroKernel<T, Vector256<T>, V256<T>, Avx2Tiling>>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
        else
            GemmParallel<T, GemmMicroKernel<T, Vector128<T>, V128<T>, PortableTiling>>.Run(threads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epilogue);
    }

    /// <summary>Elements of the buffer <see cref="PackB{T}"/> fills for a k×n op(B).</summary>
    public static long PackedBLength<T>(int k, int n) where T : unmanaged, INumber<T> =>
        Avx512F.IsSupported ? GemmDriver<T, GemmMicroKernel<T, Vector512<T>, V512<T>, Avx512Tiling>>.WholeLength(k, n)
        : Avx2.IsSupported && Fma.IsSupported ? GemmDriver<T, GemmMicroKernel<T, Vector256<T>, V256<T>, Avx2Tiling>>.WholeLength(k, n)
        : GemmDriver<T, GemmMicroKernel<T, Vector128<T>, V128<T>, PortableTiling>>.WholeLength(k, n);

    /// <summary>
    /// Packs op(B) (k×n; stored n×k with transB) once into packed (<see cref="PackedBLength{T}"/>
    /// elements), for a B that multiplies many A: <see cref="RunPacked{T}"/> then packs only A.
    /// </summary>
    public static void PackB<T>(bool transB, int k, int n, T* b, nint ldb, T* packed) where T : unmanaged, INumber<T>
    {
        if (Avx512F.IsSupported)
            GemmDriver<T, GemmMicroKernel<T, Vector512<T>, V512<T>, Avx512Tiling>>.PackWhole(transB, k, n, b, ldb, packed);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmDriver<T, GemmMicroKernel<T, Vector256<T>, V256<T>, Avx2Tiling>>.PackWhole(transB, k, n, b, ldb, packed);
        else
            GemmDriver<T, GemmMicroKernel<T, Vector128<T>, V128<T>, PortableTiling>>.PackWhole(transB, k, n, b, ldb, packed);
    }

    /// <summary>C[m,n] = epilogue(alpha·op(A)·B + beta·C) with B packed by <see cref="PackB{T}"/> for the same k and n.</summary>
    public static void RunPacked<T>(int threads, bool transA, int m, int n, int k, T alpha, T* a, nint lda,
        T* packedB, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue = default) where T : unmanaged, INumber<T>
    {
        if (Avx512F.IsSupported)
            GemmParallel<T, GemmMicroKernel<T, Vector512<T>, V512<T>, Avx512Tiling>>.RunPacked(threads, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
        else if (Avx2.IsSupported && Fma.IsSupported)
            GemmParallel<T, GemmMicroKernel<T, Vector256<T>, V256<T>, Avx2Tiling>>.RunPacked(threads, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
        else
            GemmParallel<T, GemmMicroKernel<T, Vector128<T>, V128<T>, PortableTiling>>.RunPacked(threads, transA, m, n, k, alpha, a, lda, packedB, beta, c, ldc, epilogue);
    }

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
        float* b, int ldb, float beta, float* c, int ldc)
        => Run(Threading.NumThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
        double* b, int ldb, double beta, double* c, int ldc)
        => Run(Threading.NumThreads, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    /// <summary>count independent products; strides are in elements, 0 broadcasts one operand to all.</summary>
    public static void Batched<T>(int count, bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, int lda, long strideA, T* b, int ldb, long strideB, T beta, T* c, int ldc, long strideC) where T : unmanaged, INumber<T>
    {
        GemmBatching.Run(count, (long)m * n * k, (first, end, threads) =>
        {
            for (long i = first; i < end; i++)
                Run(threads, transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb,
                    beta, c + i * strideC, ldc);
        });
    }
}
