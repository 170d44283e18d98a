namespace Ember.Bench.Harness;

/// <summary>
/// Deterministic float32 inputs, generated here rather than by either framework so both sides get
/// bit-identical data on every run and platform.
/// </summary>
public static class SeededData
{
    /// <summary>Standard normal values (Box–Muller over SplitMix64).</summary>
    public static float[] Normal(int count, ulong seed)
    {
        var data = new float[count];
        ulong state = seed;
        for (int i = 0; i < count; i += 2)
        {
            double u1 = (Next(ref state) >> 11) * (1.0 / (1UL << 53));
            double u2 = (Next(ref state) >> 11) * (1.0 / (1UL << 53));
            double r = Math.Sqrt(-2 * Math.Log(1 - u1)), theta = 2 * Math.PI * u2;
            data[i] = (float)(r * Math.Cos(theta));
            if (i + 1 < count) data[i + 1] = (float)(r * Math.Sin(theta));
        }
        return data;
    }

    /// <summary>Class labels uniform in [0, <paramref name="classes"/>), as Int64 like PyTorch's targets.</summary>
    public static long[] Labels(int count, int classes, ulong seed)
    {
        var labels = new long[count];
        ulong state = seed;
        for (int i = 0; i < count; i++) labels[i] = (long)(Next(ref state) % (ulong)classes);
        return labels;
    }

    static ulong Next(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
