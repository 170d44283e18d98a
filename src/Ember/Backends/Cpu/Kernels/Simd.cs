using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>An elementwise float function with a scalar body and a body per vector width.</summary>
internal interface IVectorUnary
{
    T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
    Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>An elementwise function of two numbers with a scalar body and a body per vector width.</summary>
internal interface IVectorBinary
{
    T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>;
    Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T>;
    Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T>;
    Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T>;
}

/// <summary>
/// The one driver that owns SIMD width dispatch and remainders. The remainder is covered by one
/// last full vector overlapping the previous one; it is computed first, from the untouched input,
/// and stored last, so in-place calls stay right.
/// </summary>
internal static class Simd
{
    public static void Map<TOp, T>(TOp op, ReadOnlySpan<T> x, Span<T> y) where TOp : struct, IVectorUnary where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = y.Length, i = 0;
        ref T xr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(x);
        ref T yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            int w = Vector512<T>.Count;
            var tail = op.V512(Vector512.LoadUnsafe(ref xr, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector512.StoreUnsafe(op.V512(Vector512.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
            Vector512.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            int w = Vector256<T>.Count;
            var tail = op.V256(Vector256.LoadUnsafe(ref xr, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector256.StoreUnsafe(op.V256(Vector256.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
            Vector256.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        if (Vector128.IsHardwareAccelerated && n >= Vector128<T>.Count)
        {
            int w = Vector128<T>.Count;
            var tail = op.V128(Vector128.LoadUnsafe(ref xr, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector128.StoreUnsafe(op.V128(Vector128.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
            Vector128.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Scalar(Unsafe.Add(ref xr, i));
    }

    public static void Map<TOp, T>(TOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where TOp : struct, IVectorBinary where T : unmanaged, INumber<T>
    {
        int n = y.Length, i = 0;
        ref T ar = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a);
        ref T br = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b);
        ref T yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        if (Vector512.IsHardwareAccelerated && Vector512<T>.IsSupported && n >= Vector512<T>.Count)
        {
            int w = Vector512<T>.Count;
            var tail = op.V512(Vector512.LoadUnsafe(ref ar, (nuint)(n - w)), Vector512.LoadUnsafe(ref br, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector512.StoreUnsafe(op.V512(Vector512.LoadUnsafe(ref ar, (nuint)i), Vector512.LoadUnsafe(ref br, (nuint)i)), ref yr, (nuint)i);
            Vector512.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        if (Vector256.IsHardwareAccelerated && Vector256<T>.IsSupported && n >= Vector256<T>.Count)
        {
            int w = Vector256<T>.Count;
            var tail = op.V256(Vector256.LoadUnsafe(ref ar, (nuint)(n - w)), Vector256.LoadUnsafe(ref br, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector256.StoreUnsafe(op.V256(Vector256.LoadUnsafe(ref ar, (nuint)i), Vector256.LoadUnsafe(ref br, (nuint)i)), ref yr, (nuint)i);
            Vector256.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        if (Vector128.IsHardwareAccelerated && Vector128<T>.IsSupported && n >= Vector128<T>.Count)
        {
            int w = Vector128<T>.Count;
            var tail = op.V128(Vector128.LoadUnsafe(ref ar, (nuint)(n - w)), Vector128.LoadUnsafe(ref br, (nuint)(n - w)));
            for (; i <= n - w; i += w) Vector128.StoreUnsafe(op.V128(Vector128.LoadUnsafe(ref ar, (nuint)i), Vector128.LoadUnsafe(ref br, (nuint)i)), ref yr, (nuint)i);
            Vector128.StoreUnsafe(tail, ref yr, (nuint)(n - w));
            return;
        }
        for (; i < n; i++) Unsafe.Add(ref yr, i) = op.Scalar(Unsafe.Add(ref ar, i), Unsafe.Add(ref br, i));
    }
}

/// <summary>Adapts a vector unary body to the elementwise driver's span interface.</summary>
internal readonly struct VectorUnary<TOp>(TOp op) : IUnaryOp where TOp : struct, IVectorUnary
{
    public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => op.Scalar(x);
    public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => Simd.Map(op, x, y);
}

/// <summary>Adapts a vector binary body to the broadcasting driver; a broadcast scalar operand is splatted.</summary>
internal readonly struct VectorBinary<TOp>(TOp op) : IBinaryOp where TOp : struct, IVectorBinary
{
    public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => op.Scalar(a, b);
    public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> => Simd.Map(op, a, b, y);
    // A broadcast scalar becomes a short span of copies, so the vector bodies serve this case too.
    const int Chunk = 256;

    public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T>
    {
        Span<T> bs = stackalloc T[Math.Min(Chunk, y.Length)];
        bs.Fill(b);
        for (int i = 0; i < y.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, y.Length - i);
            Simd.Map(op, a.Slice(i, n), bs[..n], y.Slice(i, n));
        }
    }

    public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
    {
        Span<T> al = stackalloc T[Math.Min(Chunk, y.Length)];
        al.Fill(a);
        for (int i = 0; i < y.Length; i += Chunk)
        {
            int n = Math.Min(Chunk, y.Length - i);
            Simd.Map(op, al[..n], b.Slice(i, n), y.Slice(i, n));
        }
    }
}
