using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>erfc for the Gaussian CDF: an accurate scalar double version and a vector float version.</summary>
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

    // Chebyshev fit of erfc for z >= 0 with fractional error below 1.2e-7 everywhere (Numerical Recipes' erfcc),
    // highest power first: erfc(z) = t·exp(-z² + P(t)), t = 1/(1 + z/2).
    static readonly float[] Coefficients =
        [0.17087277f, -0.82215223f, 1.48851587f, -1.13520398f, 0.27886807f, -0.18628806f, 0.09678418f, 0.37409196f, 1.00002368f, -1.26551223f];

    /// <summary>erfc(z) for z ≥ 0, 16 floats at a time.</summary>
    public static Vector512<float> ErfcPositive(Vector512<float> z)
    {
        var t = Vector512<float>.One / (Vector512<float>.One + Vector512.Create(0.5f) * z);
        var p = Vector512<float>.Zero;
        foreach (var c in Coefficients) p = Vector512.FusedMultiplyAdd(p, t, Vector512.Create(c));
        return t * Vector512.Exp(p - z * z);
    }

    public static Vector256<float> ErfcPositive(Vector256<float> z)
    {
        var t = Vector256<float>.One / (Vector256<float>.One + Vector256.Create(0.5f) * z);
        var p = Vector256<float>.Zero;
        foreach (var c in Coefficients) p = Vector256.FusedMultiplyAdd(p, t, Vector256.Create(c));
        return t * Vector256.Exp(p - z * z);
    }

    public static Vector128<float> ErfcPositive(Vector128<float> z)
    {
        var t = Vector128<float>.One / (Vector128<float>.One + Vector128.Create(0.5f) * z);
        var p = Vector128<float>.Zero;
        foreach (var c in Coefficients) p = Vector128.FusedMultiplyAdd(p, t, Vector128.Create(c));
        return t * Vector128.Exp(p - z * z);
    }
}
