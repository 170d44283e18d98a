namespace Ember;

/// <summary>
/// A seedable random stream (xoshiro256**, seeded through SplitMix64): the same seed gives the same
/// numbers on every machine and runtime, since nothing here depends on the platform's Random.
/// </summary>
public sealed class Generator
{
    ulong s0, s1, s2, s3;
    double? spareNormal;

    public Generator(ulong seed) => ManualSeed(seed);

    /// <summary>The stream used when an op is given no generator.</summary>
    public static Generator Default { get; } = new((ulong)Environment.TickCount64 ^ 0x9E3779B97F4A7C15UL);

    /// <summary>Restarts the stream from <paramref name="seed"/> (torch.manual_seed).</summary>
    public void ManualSeed(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix(ref x); s1 = SplitMix(ref x); s2 = SplitMix(ref x); s3 = SplitMix(ref x);
        spareNormal = null;
    }

    /// <summary>
    /// The whole state of the stream, to store in a checkpoint: the four xoshiro words, then 1 and the bits
    /// of the kept normal value when there is one (0 and 0 otherwise). <see cref="SetState"/> takes it back.
    /// </summary>
    public ulong[] GetState()
        => [s0, s1, s2, s3, spareNormal.HasValue ? 1UL : 0UL, spareNormal is { } s ? BitConverter.DoubleToUInt64Bits(s) : 0UL];

    /// <summary>Continues the stream exactly where the <see cref="GetState"/> that gave <paramref name="state"/> left it.</summary>
    public void SetState(ulong[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 6)
            throw new ArgumentException($"Generator.SetState: expected 6 numbers (as GetState gives), got {state.Length}.", nameof(state));
        if ((state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("Generator.SetState: the four stream words are all zero, which xoshiro256** cannot leave; this is not a saved state.", nameof(state));
        if (state[4] > 1)
            throw new ArgumentException($"Generator.SetState: the flag of the kept normal value must be 0 or 1, got {state[4]}.", nameof(state));
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3]);
        spareNormal = state[4] == 1 ? BitConverter.UInt64BitsToDouble(state[5]) : null;
    }

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(s1 * 5, 7) * 9;
        ulong t = s1 << 17;
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
        s2 ^= t;
        s3 = ulong.RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits, exactly representable as float.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Standard normal (Box–Muller; the second value of each pair is kept for the next call).</summary>
    public double NextNormal()
    {
        if (spareNormal is { } s) { spareNormal = null; return s; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Uniform integer in [low, high).</summary>
    public long NextInt64(long low, long high)
    {
        ulong range = (ulong)(high - low);
        // Rejection keeps the distribution exactly uniform.
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong v;
        do v = NextUInt64(); while (v >= limit);
        return low + (long)(v % range);
    }
}
