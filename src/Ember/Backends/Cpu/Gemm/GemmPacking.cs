using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Packs blocks of op(A) and op(B) into the panel order the micro-kernels stream through: strips of
/// MR rows (A) or NR columns (B), each stored k-major and zero-padded to the full strip width, so the
/// kernel never sees a stride or an edge. Transposition is absorbed here; no operand is ever transposed
/// in memory.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// k steps copied across all strips before moving on, so the source is read a few whole rows at a
    /// time: sequential enough for the hardware prefetchers, unlike one strip at a time down all k.
    /// </summary>
    const int DepthStep = 16;

    /// <summary>Packs op(A)[0..mc, 0..kc]; a points at op(A)[0,0]. Strip s holds rows s·MR.., as dst[s·MR·kc + p·MR + r].</summary>
    public static void PackA<T, TKernel>(bool transA, T* a, nint lda, int mc, int kc, T* dst)
        where T : unmanaged where TKernel : struct, IGemmKernel<T>
    {
        // A stored k×m: one k step of a strip is contiguous. A stored m×k: each row is contiguous in k.
        if (transA) CopyStrips(a, lda, kc, mc, TKernel.MR, dst);
        else TransposeStrips(a, lda, kc, mc, TKernel.MR, dst);
    }

    /// <summary>Packs op(B)[0..kc, 0..nc]; b points at op(B)[0,0]. Strip s holds columns s·NR.., as dst[s·NR·kc + p·NR + j].</summary>
    public static void PackB<T, TKernel>(bool transB, T* b, nint ldb, int kc, int nc, T* dst)
        where T : unmanaged where TKernel : struct, IGemmKernel<T>
    {
        if (transB) TransposeStrips(b, ldb, kc, nc, TKernel.NR, dst);
        else CopyStrips(b, ldb, kc, nc, TKernel.NR, dst);
    }

    /// <summary>dst[x0·kc + p·width + x] = src[p·ld + x0 + x] for every strip x0, zero past total.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void CopyStrips<T>(T* src, nint ld, int kc, int total, int width, T* dst) where T : unmanaged
    {
        bool vectorRows = Vector256.IsHardwareAccelerated && width % Vector256<T>.Count == 0;
        for (int p0 = 0; p0 < kc; p0 += DepthStep)
        {
            int p1 = Math.Min(kc, p0 + DepthStep);
            for (int x0 = 0; x0 < total; x0 += width)
            {
                int count = Math.Min(width, total - x0);
                T* s = src + p0 * ld + x0;
                T* d = dst + (nint)x0 * kc + p0 * width;
                if (count == width && vectorRows)
                {
                    for (int p = p0; p < p1; p++, s += ld, d += width)
                        for (int x = 0; x < width; x += Vector256<T>.Count)
                            Vector256.Store(Vector256.Load(s + x), d + x);
                }
                else
                {
                    for (int p = p0; p < p1; p++, s += ld, d += width)
                    {
                        new ReadOnlySpan<T>(s, count).CopyTo(new Span<T>(d, count));
                        new Span<T>(d + count, width - count).Clear();
                    }
                }
            }
        }
    }

    /// <summary>dst[x0·kc + p·width + x] = src[(x0 + x)·ld + p] for every strip x0, zero past total.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransposeStrips<T>(T* src, nint ld, int kc, int total, int width, T* dst) where T : unmanaged
    {
        for (int x0 = 0; x0 < total; x0 += width)
        {
            int count = Math.Min(width, total - x0);
            T* s = src + x0 * ld;
            T* d = dst + (nint)x0 * kc;
            // A last partial strip of 4 or 8 rows (a batch of 64 or 128 in 12-row strips) is transposed
            // by vectors too; only its padding columns are written one by one.
            int p = 0;
            if (GemmTranspose.Supports<T>(width, count))
            {
                p = GemmTranspose.Transpose(s, ld, kc, count, width, d);
                if (count < width)
                    for (int q = 0; q < p; q++) new Span<T>(d + q * width + count, width - count).Clear();
            }
            if (p < kc) TransposeScalar(s + p, ld, kc - p, count, width, d + p * width);
        }
    }

    /// <summary>d[p·width + x] = s[x·ld + p] for p &lt; depth, x &lt; count; zero for count ≤ x &lt; width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void TransposeScalar<T>(T* s, nint ld, int depth, int count, int width, T* d) where T : unmanaged
    {
        for (int x = 0; x < count; x++)
        {
            T* row = s + x * ld;
            for (int p = 0; p < depth; p++) d[p * width + x] = row[p];
        }
        for (int p = 0; p < depth; p++)
            for (int x = count; x < width; x++) d[p * width + x] = default;
    }
}
