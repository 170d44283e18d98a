namespace Ember.NN;

/// <summary>
/// Rotary position embedding (RoPE) as a module: rotates the last dim of q or k [..., L, dim] by
/// position-dependent angles (see <see cref="Functional.ApplyRotaryEmbedding"/>), so q·k depends only
/// on the relative offset. The cos/sin tables are cached per length, offset and dtype; it has no parameters.
/// </summary>
public sealed class RotaryEmbedding : Module<Tensor, Tensor>
{
    public int Dim { get; }
    public double Theta { get; }
    (int Length, int Offset, DType DType, Tensor Cos, Tensor Sin)? cache;
    readonly Lock cacheLock = new();

    public RotaryEmbedding(int dim, double theta = 10000)
    {
        if (dim <= 0 || dim % 2 != 0) throw new ArgumentException($"RotaryEmbedding: dim must be even and positive, got {dim}.");
        if (!(theta > 0)) throw new ArgumentException($"RotaryEmbedding: theta must be positive, got {theta}.");
        (Dim, Theta) = (dim, theta);
    }

    public override Tensor Forward(Tensor input) => Forward(input, 0);

    /// <summary>Rotates x [..., L, dim] for positions offset … offset + L − 1 (offset: the tokens already cached when decoding).</summary>
    public Tensor Forward(Tensor input, int offset)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Shape[^1] != Dim)
            throw new ArgumentException($"RotaryEmbedding: expected an input [..., L, {Dim}], got {Shapes.Format(input.Shape)}.");
        var dtype = input.DType.ToFloating();
        int length = input.Shape[^2];
        lock (cacheLock)
        {
            if (cache is not { } c || c.Length != length || c.Offset != offset || c.DType != dtype)
            {
                if (cache is { } old) { old.Cos.Dispose(); old.Sin.Dispose(); }
                var (cos, sin) = Functional.RotaryTables(length, Dim, Theta, offset, dtype);
                cache = (length, offset, dtype, cos, sin);
            }
            return Functional.ApplyRotaryEmbedding(input, cache.Value.Cos, cache.Value.Sin);
        }
    }

    public override string ExtraRepr() => $"dim={Dim}, theta={Theta}";
}
