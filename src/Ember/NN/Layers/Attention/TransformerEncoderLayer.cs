namespace Ember.NN;

/// <summary>
/// One encoder block of "Attention Is All You Need", PyTorch's nn.TransformerEncoderLayer: self-attention
/// then a feed-forward network (linear1 → activation → dropout → linear2), each with dropout and a
/// residual connection, and layer norms after (post-norm, the default) or before (normFirst) each part.
/// Parameter names match PyTorch's (self_attn.in_proj_weight, linear1.weight, norm1.weight, …).
/// </summary>
public sealed class TransformerEncoderLayer : Module<Tensor, Tensor>
{
    public int DModel { get; }
    public int NHead { get; }
    public int DimFeedforward { get; }
    public double DropoutP { get; }
    public string Activation { get; }
    public double LayerNormEps { get; }
    public bool BatchFirst { get; }
    public bool NormFirst { get; }
    public MultiheadAttention SelfAttn { get; }
    public Linear Linear1 { get; }
    public Linear Linear2 { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    readonly Dropout dropout, dropout1, dropout2;
    readonly Func<Tensor, Tensor> activation;

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, Generator? generator = null)
    {
        this.activation = TransformerBlocks.ParseActivation(activation, "TransformerEncoderLayer");
        (DModel, NHead, DimFeedforward, DropoutP, Activation) = (dModel, nhead, dimFeedforward, dropout, activation);
        (LayerNormEps, BatchFirst, NormFirst) = (layerNormEps, batchFirst, normFirst);
        SelfAttn = Child("self_attn", new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, generator: generator));
        Linear1 = Child("linear1", new Linear(dModel, dimFeedforward, generator: generator));
        this.dropout = Child("dropout", new Dropout(dropout, generator));
        Linear2 = Child("linear2", new Linear(dimFeedforward, dModel, generator: generator));
        Norm1 = Child("norm1", new LayerNorm(dModel, layerNormEps));
        Norm2 = Child("norm2", new LayerNorm(dModel, layerNormEps));
        dropout1 = Child("dropout1", new Dropout(dropout, generator));
        dropout2 = Child("dropout2", new Dropout(dropout, generator));
    }

    public override Tensor Forward(Tensor src) => Forward(src, null, null);

    /// <summary>
    /// src [L, N, E] ([N, L, E] with batchFirst, or [L, E]); srcMask [L, S] or [N·H, L, S] and
    /// srcKeyPaddingMask [N, S] as in <see cref="MultiheadAttention"/>; isCausal adds the causal mask.
    /// </summary>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        if (NormFirst)
        {
            using var n1 = Norm1.Forward(src);
            using var sa = TransformerBlocks.Attend(SelfAttn, dropout1, n1, n1, srcMask, srcKeyPaddingMask, isCausal);
            using var x = src + sa;
            using var n2 = Norm2.Forward(x);
            using var ff = FeedForward(n2);
            return x + ff;
        }
        using (var sa = TransformerBlocks.Attend(SelfAttn, dropout1, src, src, srcMask, srcKeyPaddingMask, isCausal))
        using (var r1 = src + sa)
        using (var x = Norm1.Forward(r1))
        using (var ff = FeedForward(x))
        using (var r2 = x + ff)
            return Norm2.Forward(r2);
    }

    Tensor FeedForward(Tensor x) => TransformerBlocks.FeedForward(x, Linear1, activation, dropout, Linear2, dropout2);

    /// <summary>A new layer with the same settings and a copy of this one's parameters.</summary>
    internal TransformerEncoderLayer Copy()
    {
        var copy = new TransformerEncoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst);
        copy.LoadStateDict(StateDict());
        return copy;
    }
}
