namespace Ember.NN;

public static partial class Functional
{
    /// <summary>
    /// softmax(q·kᵀ·scale + mask)·v, fused (see <see cref="Tensor.ScaledDotProductAttention"/>):
    /// q [..., L, D], k [..., S, D], v [..., S, Dv] → [..., L, Dv]. A Bool mask keeps the positions that
    /// are true; a float mask is added to the scores. isCausal keeps key j for query i when j ≤ i.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return Tensor.ScaledDotProductAttention(query, key, value, attnMask, dropoutP, isCausal, scale, generator);
    }

    /// <summary>
    /// The cos and sin tables of rotary position embeddings for positions offset … offset + length − 1,
    /// each [length, dim]: angle(p, m) = p·base^(−2m/dim) for m &lt; dim/2, repeated for the second half
    /// (the rotate-half layout of GPT-NeoX and LLaMA).
    /// </summary>
    public static (Tensor Cos, Tensor Sin) RotaryTables(int length, int dim, double theta = 10000, int offset = 0, DType dtype = DType.Float32)
    {
        if (dim <= 0 || dim % 2 != 0)
            throw new ArgumentException($"RotaryTables: the rotated dim must be even and positive, got {dim}.");
        if (length < 0) throw new ArgumentException($"RotaryTables: the length must be non-negative, got {length}.");
        int half = dim / 2;
        var cos = new double[(long)length * dim];
        var sin = new double[(long)length * dim];
        for (int p = 0; p < length; p++)
            for (int m = 0; m < half; m++)
            {
                double angle = (p + offset) * Math.Pow(theta, -2.0 * m / dim);
                double c = Math.Cos(angle), s = Math.Sin(angle);
                cos[(long)p * dim + m] = cos[(long)p * dim + m + half] = c;
                sin[(long)p * dim + m] = sin[(long)p * dim + m + half] = s;
            }
        using var c64 = Tensor.FromArray(cos, length, dim);
        using var s64 = Tensor.FromArray(sin, length, dim);
        return (c64.To(dtype), s64.To(dtype));
    }

    /// <summary>
    /// Rotary position embedding of x [..., L, D] (usually q or k with heads, [N, H, L, D]) with tables
    /// cos, sin [L, D]: x·cos + rotate_half(x)·sin, where rotate_half(x) = cat(−x₂, x₁) over the two halves
    /// of the last dim. Differentiable in x.
    /// </summary>
    public static Tensor ApplyRotaryEmbedding(Tensor x, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        if (x.Rank < 2 || x.Shape[^1] % 2 != 0)
            throw new ArgumentException($"ApplyRotaryEmbedding: expected x [..., L, D] with an even D, got shape {Shapes.Format(x.Shape)}.");
        int length = x.Shape[^2], dim = x.Shape[^1], half = dim / 2;
        if (cos.Rank != 2 || sin.Rank != 2 || cos.Shape[0] != length || cos.Shape[1] != dim || !cos.Shape.AsSpan().SequenceEqual(sin.Shape))
            throw new ArgumentException($"ApplyRotaryEmbedding: cos {Shapes.Format(cos.Shape)} and sin {Shapes.Format(sin.Shape)} must both be [{length}, {dim}] for x {Shapes.Format(x.Shape)}.");
        using var x1 = x.Narrow(-1, 0, half);
        using var x2 = x.Narrow(-1, half, half);
        using var negX2 = x2.Neg();
        using var rotated = Tensor.Cat([negX2, x1], -1);
        using var a = x * cos;
        using var b = rotated * sin;
        return a + b;
    }
}
