namespace Ember.Data;

/// <summary>
/// Seeds derived from (seed, epoch, index) by hashing, so a sample's randomness and an epoch's shuffle
/// depend only on those numbers — not on thread scheduling or on how many samples came before.
/// </summary>
public static class SampleSeeds
{
    /// <summary>The seed for sample <paramref name="index"/> in <paramref name="epoch"/> of a run seeded with <paramref name="seed"/>.</summary>
    public static ulong For(ulong seed, long epoch, long index) => Mix(Mix(Mix(seed) ^ (ulong)epoch) ^ (ulong)index);

    /// <summary>The seed of an epoch's shuffle.</summary>
    public static ulong ForEpoch(ulong seed, long epoch) => Mix(Mix(seed ^ 0x5851F42D4C957F2DUL) ^ (ulong)epoch);

    /// <summary>A generator seeded with <see cref="For"/>.</summary>
    public static Generator Generator(ulong seed, long epoch, long index) => new(For(seed, epoch, index));

    // SplitMix64's finaliser: a bijective mix in which every input bit affects every output bit.
    static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
