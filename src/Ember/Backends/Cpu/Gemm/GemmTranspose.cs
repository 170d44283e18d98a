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
    /// <summary>
    /// Whether <see cref="Transpose"/> has a vector path for this element type, strip width and number
    /// of source rows (the strip's, or fewer in a last partial strip).
    /// </summary>
    public static bool Supports<T>(int width, int rows) where T : unmanaged =>
        Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && width % 4 == 0 && rows % 4 == 0;

    /// <summary>
    /// dst[p·width + x] = src[x·ld + p] for x &lt; rows (≤ width) and the leading whole blocks of p &lt; depth;
    /// columns x ≥ rows of dst are left to the caller. Returns how many p it covered; the caller finishes
    /// the rest. Requires <see cref="Supports"/>. Walks 8 (or 4) rows at a time along k, so every source
    /// row is read sequentially.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int Transpose<T>(T* src, nint ld, int depth, int rows, int width, T* dst) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            int done = depth & ~7, x = 0;
            for (; x + 8 <= rows; x += 8)
                for (int p = 0; p < done; p += 8)
                    Transpose8x8((float*)src + x * ld + p, ld, (float*)dst + p * width + x, width);
            if (x < rows)   // the last 4 rows of a 12-row strip (or a 4-row one)
                for (int p = 0; p < done; p += 8)
                    Transpose4x8((float*)src + x * ld + p, ld, (float*)dst + p * width + x, width);
            return done;
        }
        if (typeof(T) == typeof(double))
        {
            int done = depth & ~3;
            for (int x = 0; x < rows; x += 4)
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
        UnpackFourRows(src, ld, out var t0, out var t1, out var t2, out var t3);
        UnpackFourRows(src + 4 * ld, ld, out var t4, out var t5, out var t6, out var t7);

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
        UnpackFourRows(src, ld, out var t0, out var t1, out var t2, out var t3);

        // Column q of the four rows is the low half of u(q) for q < 4 and the high half of u(q − 4).
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);

        StoreColumns(dst, dstStride, 0, u0);
        StoreColumns(dst, dstStride, 1, u1);
        StoreColumns(dst, dstStride, 2, u2);
        StoreColumns(dst, dstStride, 3, u3);
    }

    /// <summary>Columns q and q + 4 of four rows, held in the two halves of u, stored as rows q and q + 4 of dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreColumns(float* dst, nint dstStride, int q, Vector256<float> u)
    {
        Sse.Store(dst + q * dstStride, u.GetLower());
        Sse.Store(dst + (q + 4) * dstStride, u.GetUpper());
    }

    /// <summary>Rows src[r·ld .. +4] for r &lt; 4 become rows dst[q·dstStride .. +4].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Transpose4x4(double* src, nint ld, double* dst, nint dstStride)
    {
        UnpackFourRows(src, ld, out var t0, out var t1, out var t2, out var t3);

        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }

    /// <summary>
    /// The first stage of every transpose here: four rows (src + r·ld) loaded and interleaved in pairs,
    /// t0/t1 the low/high unpack of rows 0 and 1, t2/t3 of rows 2 and 3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void UnpackFourRows<T>(T* src, nint ld, out Vector256<T> t0, out Vector256<T> t1, out Vector256<T> t2, out Vector256<T> t3)
        where T : unmanaged
    {
        Vector256<T> r0 = Vector256.Load(src), r1 = Vector256.Load(src + ld);
        Vector256<T> r2 = Vector256.Load(src + 2 * ld), r3 = Vector256.Load(src + 3 * ld);
        t0 = Unpack(r0, r1, high: false); t1 = Unpack(r0, r1, high: true);
        t2 = Unpack(r2, r3, high: false); t3 = Unpack(r2, r3, high: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<T> Unpack<T>(Vector256<T> a, Vector256<T> b, bool high) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return (high ? Avx.UnpackHigh(a.AsSingle(), b.AsSingle()) : Avx.UnpackLow(a.AsSingle(), b.AsSingle())).As<float, T>();
        return (high ? Avx.UnpackHigh(a.AsDouble(), b.AsDouble()) : Avx.UnpackLow(a.AsDouble(), b.AsDouble())).As<double, T>();
    }
}
