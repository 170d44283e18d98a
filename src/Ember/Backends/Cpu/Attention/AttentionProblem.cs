namespace Ember.Backends.Cpu;

/// <summary>
/// The shapes and settings of one fused attention call, with every batch (× head) flattened into B:
/// q [B, L, D], k [B, S, D], v [B, S, Dv], each read in place through its <see cref="RowLayout"/>
/// (heads split out of a packed projection, or broadcast batch dims, are never copied), and the output
/// is written through its own. The mask, if any, is an additive tensor in
/// the compute dtype seen through broadcast strides: element (b, i, j) lies at
/// MaskBatchOffsets[b] + i·MaskStrideL + j·MaskStrideS, so a broadcast mask is never materialised.
/// </summary>
internal sealed class AttentionProblem
{
    public required int B { get; init; }
    public required int L { get; init; }
    public required int S { get; init; }
    public required int D { get; init; }
    public required int Dv { get; init; }
    public required double Scale { get; init; }
    /// <summary>Where the rows of q, k and v are, relative to each tensor's first element.</summary>
    public required RowLayout Q { get; init; }
    public required RowLayout K { get; init; }
    public required RowLayout V { get; init; }
    /// <summary>Where the output's rows go: in the order of q's, so heads split from [N, T, H·D] come back merged.</summary>
    public required RowLayout O { get; init; }
    public required bool Causal { get; init; }
    public Tensor? Mask { get; init; }
    public long[] MaskBatchOffsets { get; init; } = [];
    public long MaskStrideL { get; init; }
    public long MaskStrideS { get; init; }
    /// <summary>Probability of dropping an attention weight; 0 disables dropout.</summary>
    public double DropoutP { get; init; }
    /// <summary>Seed of the counter-based dropout stream, so backward regenerates forward's mask without storing it.</summary>
    public ulong DropoutSeed { get; init; }

    /// <summary>
    /// Whether weight (b, i, j) survives dropout: a hash of the seed and the position (SplitMix64's
    /// finaliser) gives a uniform draw that forward and backward compute alike.
    /// </summary>
    public bool Keep(int b, int i, int j)
    {
        ulong z = DropoutSeed + (((ulong)b * (ulong)L + (ulong)i) * (ulong)S + (ulong)j + 1) * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53)) >= DropoutP;
    }

    /// <summary>The last key row i may attend to plus one: top-left aligned causality keeps j ≤ i.</summary>
    public int KeyEnd(int i) => Causal ? Math.Min(S, i + 1) : S;
}

/// <summary>Where backward reads dO and writes dq, dk and dv.</summary>
internal readonly record struct GradientLayout(RowLayout DO, RowLayout DQ, RowLayout DK, RowLayout DV);

/// <summary>
/// Row i of batch slice b of a [B, rows, width] operand whose last dim is contiguous: at
/// BatchOffsets[b] + i·RowStride elements. A contiguous operand has offsets b·rows·width and stride width.
/// </summary>
internal sealed class RowLayout(long[] batchOffsets, long rowStride)
{
    public long[] BatchOffsets { get; } = batchOffsets;
    public nint RowStride { get; } = (nint)rowStride;

    public long Row(int b, int i) => BatchOffsets[b] + i * (long)RowStride;
}
