namespace Ember.Data.Synthetic;

/// <summary>
/// A sequence-classification set: each sample is a noisy periodic waveform of one of four shapes (the label:
/// 0 sine, 1 square, 2 triangle, 3 sawtooth) with a random period, phase, amplitude and offset, and a random
/// length in [minLength, maxLength]. Sample i is drawn from a generator seeded by (seed, i), so it is the same
/// whoever asks and in whatever order. Batches are padded to their longest sequence, with the lengths beside
/// them for a recurrent layer's lengths argument (as pack_padded_sequence).
/// </summary>
public sealed class WaveformSequences : Dataset<(Tensor Input, long Label)>
{
    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["sine", "square", "triangle", "sawtooth"];

    readonly ulong seed;

    /// <param name="count">How many samples.</param>
    /// <param name="seed">Fixes every sample.</param>
    /// <param name="minLength">The shortest sequence (at least 2 steps).</param>
    /// <param name="maxLength">The longest sequence.</param>
    /// <param name="noiseStd">The standard deviation of the Gaussian noise added to each step.</param>
    /// <param name="minPeriod">The shortest period, in steps (at least 2).</param>
    /// <param name="maxPeriod">The longest period.</param>
    public WaveformSequences(int count, ulong seed, int minLength = 20, int maxLength = 60, double noiseStd = 0.2, double minPeriod = 6, double maxPeriod = 20)
    {
        if (count < 0) throw new ArgumentException($"WaveformSequences: count must not be negative, got {count}.");
        if (minLength < 2 || maxLength < minLength)
            throw new ArgumentException($"WaveformSequences: lengths must satisfy 2 ≤ minLength ≤ maxLength, got minLength {minLength} and maxLength {maxLength}.");
        if (!(noiseStd >= 0) || double.IsInfinity(noiseStd)) throw new ArgumentException($"WaveformSequences: noiseStd must be finite and non-negative, got {noiseStd}.");
        if (!(minPeriod >= 2) || !(maxPeriod >= minPeriod) || double.IsInfinity(maxPeriod))
            throw new ArgumentException($"WaveformSequences: periods must satisfy 2 ≤ minPeriod ≤ maxPeriod < ∞, got {minPeriod} and {maxPeriod}.");
        (Count, this.seed, MinLength, MaxLength, NoiseStd, MinPeriod, MaxPeriod) = (count, seed, minLength, maxLength, noiseStd, minPeriod, maxPeriod);
    }

    public override int Count { get; }
    public int MinLength { get; }
    public int MaxLength { get; }
    public double NoiseStd { get; }
    public double MinPeriod { get; }
    public double MaxPeriod { get; }
    public static int NumClasses => 4;

    /// <summary>Sample <paramref name="index"/> as plain values and its label.</summary>
    public (float[] Values, int Label) Sequence(int index)
    {
        CheckIndex(index);
        var g = SampleSeeds.Generator(seed, 0, index);
        int label = (int)g.NextInt64(0, NumClasses);
        int length = (int)g.NextInt64(MinLength, MaxLength + 1);
        double period = MinPeriod + (MaxPeriod - MinPeriod) * g.NextDouble();
        double phase = g.NextDouble();
        double amplitude = 0.5 + g.NextDouble();
        double offset = g.NextDouble() - 0.5;
        var values = new float[length];
        for (int t = 0; t < length; t++)
        {
            double u = t / period + phase;
            double frac = u - Math.Floor(u); // position within the cycle, in [0, 1)
            double wave = label switch
            {
                0 => Math.Sin(2 * Math.PI * u),
                1 => frac < 0.5 ? 1 : -1,
                2 => 1 - 4 * Math.Abs(frac - 0.5),
                _ => 2 * frac - 1,
            };
            values[t] = (float)(offset + amplitude * wave + NoiseStd * g.NextNormal());
        }
        return (values, label);
    }

    /// <summary>Sample <paramref name="index"/>: a [length, 1] sequence and its label.</summary>
    public override (Tensor Input, long Label) Get(int index)
    {
        var (values, label) = Sequence(index);
        return (Tensor.FromArray(values, values.Length, 1), label);
    }

    /// <summary>
    /// The samples at <paramref name="indices"/> as one batch: inputs [B, Tmax, 1] zero-padded after each
    /// sequence's end (batch first), the lengths, and the labels (Int64 [B]).
    /// </summary>
    public (Tensor Inputs, int[] Lengths, Tensor Labels) PaddedBatch(IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.Count == 0) throw new ArgumentException("WaveformSequences.PaddedBatch: the batch is empty; give at least one index.");
        var samples = indices.Select(Sequence).ToArray();
        int tMax = samples.Max(s => s.Values.Length);
        var padded = new float[samples.Length * tMax];
        for (int b = 0; b < samples.Length; b++) samples[b].Values.CopyTo(padded, b * tMax);
        return (Tensor.FromArray(padded, samples.Length, tMax, 1), samples.Select(s => s.Values.Length).ToArray(),
                Tensor.FromArray(samples.Select(s => (long)s.Label).ToArray(), samples.Length));
    }

    /// <summary>How many samples each class has (for the majority baseline).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[NumClasses];
        for (int i = 0; i < Count; i++) counts[Sequence(i).Label]++;
        return counts;
    }
}
