using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>
/// The row loops of the conv kernels. Conv rows are short (an output row of a 13×13 map is 11
/// elements) and there are hundreds of thousands of them per call, so these stay inlined pointer loops:
/// a span-based library call costs more in setup than the row's arithmetic.
/// </summary>
internal static unsafe class ConvRows
{
    /// <summary>dst[k] = src[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<T>(T* dst, T* src, int n) where T : unmanaged
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated)
            for (; k <= n - Vector<T>.Count; k += Vector<T>.Count)
                Store(dst + k, Load(src + k));
        for (; k < n; k++) dst[k] = src[k];
    }

    /// <summary>dst[k] += src[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add<T>(T* dst, T* src, int n) where T : unmanaged, INumber<T>
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated)
            for (; k <= n - Vector<T>.Count; k += Vector<T>.Count)
                Store(dst + k, Load(dst + k) + Load(src + k));
        for (; k < n; k++) dst[k] += src[k];
    }

    /// <summary>dst[k] += a·src[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy<T>(T* dst, T a, T* src, int n) where T : unmanaged, INumber<T>
    {
        int k = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var va = new Vector<T>(a);
            for (; k <= n - Vector<T>.Count; k += Vector<T>.Count)
                Store(dst + k, Load(dst + k) + va * Load(src + k));
        }
        for (; k < n; k++) dst[k] += a * src[k];
    }

    /// <summary>Σ a[k]·b[k].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Dot<T>(T* a, T* b, int n) where T : unmanaged, INumber<T>
    {
        int k = 0;
        T s = T.Zero;
        if (Vector.IsHardwareAccelerated && n >= Vector<T>.Count)
        {
            var acc = Vector<T>.Zero;
            for (; k <= n - Vector<T>.Count; k += Vector<T>.Count)
                acc += Load(a + k) * Load(b + k);
            s = Vector.Sum(acc);
        }
        for (; k < n; k++) s += a[k] * b[k];
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector<T> Load<T>(T* p) where T : unmanaged => Unsafe.ReadUnaligned<Vector<T>>(p);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store<T>(T* p, Vector<T> v) where T : unmanaged => Unsafe.WriteUnaligned(p, v);
}
