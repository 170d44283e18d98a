using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Vector exp for float and double behind one generic signature. Float exp is Ember's own
/// (Cephes' range reduction and degree-6 polynomial, relative error below 1.2e-7): the runtime's
/// Vector512.Exp(float) computes through doubles and costs about twice as much inside larger
/// kernels such as GELU and softmax. Double uses the runtime's.
/// </summary>
internal static class VMath
{
    const float Log2e = 1.44269504088896341f, Ln2Hi = 0.693359375f, Ln2Lo = -2.12194440e-4f, MaxArg = 88.72283905206835f, MinArg = -103.972077083991796f;
    const float P0 = 1.9875691500e-4f, P1 = 1.3981999507e-3f, P2 = 8.3334519073e-3f, P3 = 4.1665795894e-2f, P4 = 1.6666665459e-1f, P5 = 5.0000001201e-1f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return ExpFloat<V512<float>, Vector512<float>>(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Exp<T>(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return ExpFloat<V256<float>, Vector256<float>>(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Exp<T>(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return ExpFloat<V128<float>, Vector128<float>>(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Exp(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    // exp(x) = 2^n · exp(r), n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in two for precision).
    // The clamp uses the native min/max (no NaN fix-ups; n is then always in range for the native
    // conversion), and NaN inputs are restored at the end instead.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV ExpFloat<V, TV>(TV x) where V : struct, IVectorOps<TV, float> where TV : struct
    {
        var c = V.MinNative(V.MaxNative(x, V.Create(MinArg)), V.Create(MaxArg));
        var n = V.Round(V.Multiply(c, V.Create(Log2e)));
        var r = V.FusedMultiplyAdd(n, V.Create(-Ln2Hi), c);
        r = V.FusedMultiplyAdd(n, V.Create(-Ln2Lo), r);
        var p = V.FusedMultiplyAdd(V.Create(P0), r, V.Create(P1));
        p = V.FusedMultiplyAdd(p, r, V.Create(P2)); p = V.FusedMultiplyAdd(p, r, V.Create(P3));
        p = V.FusedMultiplyAdd(p, r, V.Create(P4)); p = V.FusedMultiplyAdd(p, r, V.Create(P5));
        p = V.FusedMultiplyAdd(p, V.Multiply(r, r), V.Add(r, V.One));
        // n = 128 (near the overflow edge) and n < -126 (denormal results) both scale right: see ScaleByPow2.
        var y = V.ScaleByPow2(p, n);
        y = V.ConditionalSelect(V.LessThan(x, V.Create(MinArg)), V.Zero, y);
        y = V.ConditionalSelect(V.GreaterThan(x, V.Create(MaxArg)), V.Create(float.PositiveInfinity), y);
        return V.ConditionalSelect(V.Equals(x, x), y, x);
    }
}
