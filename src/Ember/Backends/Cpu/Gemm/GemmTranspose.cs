using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// In-register transposes for packing row-major A and transposed B: 8×8 (or 4×8) floats or 4×4 doubles
/// per step with AVX shuffles, several times faster than element-by-element copies.
/// </summary>
internal static unsafe class GemmTranspose
{
    /// <summary>Whether <see cref="Transpose"/> has a vector path for this element type and strip width.</summary>
    public static bool Supports<T>(int width) where T : unmanaged =>
        Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && width % 4 == 0;

    /// <summary>
    /// dst[p·width + x] = src[x·ld + p] for x &lt; width and the leading whole blocks of p &lt; depth.
    /// Returns how many p it covered; the caller finishes the rest. Requires <see cref="Supports"/>.
    /// Walks 8 (or 4) rows at a time along k, so every source row is read sequentially.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Transpose<T>(T* src, nint ld, int depth, int width, T* dst) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            int done = depth & ~7, x = 0;
            for (; x + 8 <= width; x += 8)
                for (int p = 0; p < done; p += 8)
                    Transpose8x8((float*)src + x * ld + p, ld, (float*)dst + p * width + x, width);
            if (x < width)   // the last 4 rows of a 12-row strip (or a 4-row one)
                for (int p = 0; p < done; p += 8)
                    Transpose4x8((float*)src + x * ld + p, ld, (float*)dst + p * width + x, width);
            return done;
        }
        if (typeof(T) == typeof(double))
        {
            int done = depth & ~3;
            for (int x = 0; x < width; x += 4)
                for (int p = 0; p < done; p += 4)
                    Transpose4x4((double*)src + x * ld + p, ld, (double*)dst + p * width + x, width);
            return done;
        }
        return 0;
    }

    /// <summary>Rows src[r·ld .. +8] for r &lt; 8 become rows dst[q·dstStride .. +8].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose8x8(float* src, nint ld, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * ld), r3 = Avx.LoadVector256(src + 3 * ld);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * ld), r5 = Avx.LoadVector256(src + 5 * ld);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * ld), r7 = Avx.LoadVector256(src + 7 * ld);

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    /// <summary>Rows src[r·ld .. +8] for r &lt; 4 become rows dst[q·dstStride .. +4] for q &lt; 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose4x8(float* src, nint ld, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * ld), r3 = Avx.LoadVector256(src + 3 * ld);

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);

        // Column q of the four rows is the low half of u(q) for q < 4 and the high half of u(q − 4).
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);

        Sse.Store(dst, u0.GetLower());
        Sse.Store(dst + dstStride, u1.GetLower());
        Sse.Store(dst + 2 * dstStride, u2.GetLower());
        Sse.Store(dst + 3 * dstStride, u3.GetLower());
        Sse.Store(dst + 4 * dstStride, u0.GetUpper());
        Sse.Store(dst + 5 * dstStride, u1.GetUpper());
        Sse.Store(dst + 6 * dstStride, u2.GetUpper());
        Sse.Store(dst + 7 * dstStride, u3.GetUpper());
    }

    /// <summary>Rows src[r·ld .. +4] for r &lt; 4 become rows dst[q·dstStride .. +4].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose4x4(double* src, nint ld, double* dst, nint dstStride)
    {
        Vector256<double> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + ld);
        Vector256<double> r2 = Avx.LoadVector256(src + 2 * ld), r3 = Avx.LoadVector256(src + 3 * ld);

        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);

        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }
}
