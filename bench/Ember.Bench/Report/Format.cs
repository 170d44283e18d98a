using System.Globalization;

namespace Ember.Bench.Report;

/// <summary>Number formatting shared by the table and the JSON lines.</summary>
public static class Format
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>About four significant digits without exponent notation: 0.001234, 1.234, 1234.</summary>
    public static string Sig(double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v)) return v.ToString(Inv);
        if (v == 0) return "0";
        int decimals = Math.Clamp(3 - (int)Math.Floor(Math.Log10(Math.Abs(v))), 0, 7);
        return v.ToString("F" + decimals, Inv);
    }

    /// <summary>Rounds to 6 significant digits so JSON lines stay short without losing real precision.</summary>
    public static double Round6(double v) =>
        v == 0 || double.IsNaN(v) || double.IsInfinity(v)
            ? v
            : Math.Round(v, Math.Clamp(5 - (int)Math.Floor(Math.Log10(Math.Abs(v))), 0, 15));
}
