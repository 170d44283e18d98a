using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// One-pass sums over a row for the normalisation kernels. Values are shifted (by a row element or
/// the mean) before squaring, so var = E[(x−k)²] − E[x−k]² does not cancel catastrophically when
/// |mean| ≫ std. Lanes accumulate in T over blocks of <see cref="Block"/> elements and each block
/// is added in double, so long rows of floats keep their digits. Vector&lt;T&gt; picks the widest
/// enabled SIMD width at run time.
/// </summary>
internal static class RowMoments
{
    const int Block = 1024;

    /// <summary>(Σ (x − k), Σ (x − k)²).</summary>
    public static (double Sum, double SumSq) Shifted<T>(ReadOnlySpan<T> x, T k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s1 = 0, s2 = 0;
        for (int start = 0; start < x.Length; start += Block)
        {
            var part = x.Slice(start, Math.Min(Block, x.Length - start));
            T a1 = T.Zero, a2 = T.Zero;
            int i = 0;
            if (Vector.IsHardwareAccelerated && part.Length >= Vector<T>.Count)
            {
                var kv = new Vector<T>(k);
                Vector<T> v1 = Vector<T>.Zero, v2 = Vector<T>.Zero;
                for (; i <= part.Length - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var d = new Vector<T>(part.Slice(i)) - kv;
                    v1 += d;
                    v2 += d * d;
                }
                a1 = Vector.Sum(v1);
                a2 = Vector.Sum(v2);
            }
            for (; i < part.Length; i++) { T d = part[i] - k; a1 += d; a2 += d * d; }
            s1 += double.CreateTruncating(a1);
            s2 += double.CreateTruncating(a2);
        }
        return (s1, s2);
    }

    /// <summary>(Σ g, Σ g·(x − m)): the two reductions every normalisation backward needs.</summary>
    public static (double SumG, double SumGX) GradDots<T>(ReadOnlySpan<T> g, ReadOnlySpan<T> x, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s1 = 0, s2 = 0;
        for (int start = 0; start < x.Length; start += Block)
        {
            int len = Math.Min(Block, x.Length - start);
            var gp = g.Slice(start, len);
            var xp = x.Slice(start, len);
            T a1 = T.Zero, a2 = T.Zero;
            int i = 0;
            if (Vector.IsHardwareAccelerated && len >= Vector<T>.Count)
            {
                var mv = new Vector<T>(m);
                Vector<T> v1 = Vector<T>.Zero, v2 = Vector<T>.Zero;
                for (; i <= len - Vector<T>.Count; i += Vector<T>.Count)
                {
                    var gv = new Vector<T>(gp.Slice(i));
                    v1 += gv;
                    v2 += gv * (new Vector<T>(xp.Slice(i)) - mv);
                }
                a1 = Vector.Sum(v1);
                a2 = Vector.Sum(v2);
            }
            for (; i < len; i++) { a1 += gp[i]; a2 += gp[i] * (xp[i] - m); }
            s1 += double.CreateTruncating(a1);
            s2 += double.CreateTruncating(a2);
        }
        return (s1, s2);
    }
}
