using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>erf and erfc for the Gaussian CDF: an accurate scalar double erfc and a fast vector float erf.</summary>
internal static class SpecialFunctions
{
    /// <summary>erfc to ~1e-15 relative: Taylor series of erf below 2, continued fraction above.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2 - Erfc(-x);
        if (x < 2)
        {
            double sum = 0, term = x, x2 = x * x;
            for (int n = 0; n < 100; n++)
            {
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
                term *= -x2 / (n + 1);
            }
            return 1 - 2 / Math.Sqrt(Math.PI) * sum;
        }
        if (x > 27) return 0;
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
        double k = x;
        for (int n = 60; n >= 1; n--) k = x + n / 2.0 / k;
        return Math.Exp(-x * x) / (Math.Sqrt(Math.PI) * k);
    }

    /// <summary>Standard normal CDF Φ(x).</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Math.Sqrt(2));

    // erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4] (beyond it erf is ±1 in float), a minimax rational fit with
    // absolute error of a few float ulps: no exp, so it costs a dozen FMAs and one division.
    const float A1 = -1.60960333262415e-02f, A3 = -2.95459980854025e-03f, A5 = -7.34990630326855e-04f, A7 = -5.69250639462346e-05f,
        A9 = -2.10102402082508e-06f, A11 = 2.77068142495902e-08f, A13 = -2.72614225801306e-10f;
    const float B0 = -1.42647390514189e-02f, B2 = -7.37332916720468e-03f, B4 = -1.68282697438203e-03f, B6 = -2.13374055278905e-04f,
        B8 = -1.45660718464996e-05f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Erf(Vector512<float> a) => Erf<V512<float>, Vector512<float>>(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Erf(Vector256<float> a) => Erf<V256<float>, Vector256<float>>(a);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Erf(Vector128<float> a) => Erf<V128<float>, Vector128<float>>(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static TV Erf<V, TV>(TV a) where V : struct, IVectorOps<TV, float> where TV : struct
    {
        // The constant first: x86's native min/max return the second operand when either is NaN, so NaN passes through.
        var x = V.MinNative(V.Create(4f), V.MaxNative(V.Create(-4f), a));
        var x2 = V.Multiply(x, x);
        var p = V.FusedMultiplyAdd(x2, V.Create(A13), V.Create(A11));
        p = V.FusedMultiplyAdd(x2, p, V.Create(A9)); p = V.FusedMultiplyAdd(x2, p, V.Create(A7));
        p = V.FusedMultiplyAdd(x2, p, V.Create(A5)); p = V.FusedMultiplyAdd(x2, p, V.Create(A3));
        p = V.FusedMultiplyAdd(x2, p, V.Create(A1));
        var q = V.FusedMultiplyAdd(x2, V.Create(B8), V.Create(B6));
        q = V.FusedMultiplyAdd(x2, q, V.Create(B4)); q = V.FusedMultiplyAdd(x2, q, V.Create(B2));
        q = V.FusedMultiplyAdd(x2, q, V.Create(B0));
        return V.Divide(V.Multiply(x, p), q);
    }
}
