namespace Ember.NN;

/// <summary>
/// One decoder block, PyTorch's nn.TransformerDecoderLayer: self-attention over the target, attention
/// over the encoder's output (memory), then the feed-forward network, each with dropout, a residual
/// connection and a layer norm (after, or before with normFirst). Parameter names match PyTorch's
/// (self_attn.*, multihead_attn.*, linear1.*, linear2.*, norm1.* … norm3.*).
/// </summary>
public sealed class TransformerDecoderLayer : Module<(Tensor Tgt, Tensor Memory), Tensor>
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
    public MultiheadAttention MultiheadAttn { get; }
    public Linear Linear1 { get; }
    public Linear Linear2 { get; }
    public LayerNorm Norm1 { get; }
    public LayerNorm Norm2 { get; }
    public LayerNorm Norm3 { get; }
    readonly Dropout dropout, dropout1, dropout2, dropout3;
    readonly Func<Tensor, Tensor> activation;

    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, Generator? generator = null)
    {
        this.activation = TransformerBlocks.ParseActivation(activation, "TransformerDecoderLayer");
        (DModel, NHead, DimFeedforward, DropoutP, Activation) = (dModel, nhead, dimFeedforward, dropout, activation);
        (LayerNormEps, BatchFirst, NormFirst) = (layerNormEps, batchFirst, normFirst);
        SelfAttn = Child("self_attn", new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, generator: generator));
        MultiheadAttn = Child("multihead_attn", new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, generator: generator));
        Linear1 = Child("linear1", new Linear(dModel, dimFeedforward, generator: generator));
        this.dropout = Child("dropout", new Dropout(dropout, generator));
        Linear2 = Child("linear2", new Linear(dimFeedforward, dModel, generator: generator));
        Norm1 = Child("norm1", new LayerNorm(dModel, layerNormEps));
        Norm2 = Child("norm2", new LayerNorm(dModel, layerNormEps));
        Norm3 = Child("norm3", new LayerNorm(dModel, layerNormEps));
        dropout1 = Child("dropout1", new Dropout(dropout, generator));
        dropout2 = Child("dropout2", new Dropout(dropout, generator));
        dropout3 = Child("dropout3", new Dropout(dropout, generator));
    }

    public override Tensor Forward((Tensor Tgt, Tensor Memory) input) => Forward(input.Tgt, input.Memory);

    /// <summary>
    /// tgt [T, N, E] and memory [S, N, E] ([N, ·, E] with batchFirst); the masks are as in
    /// <see cref="MultiheadAttention"/>, for the self-attention (tgt*) and the memory attention (memory*).
    /// </summary>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        if (NormFirst)
        {
            using var n1 = Norm1.Forward(tgt);
            using var sa = TransformerBlocks.Attend(SelfAttn, dropout1, n1, n1, tgtMask, tgtKeyPaddingMask, tgtIsCausal);
            using var x1 = tgt + sa;
            using var n2 = Norm2.Forward(x1);
            using var ca = TransformerBlocks.Attend(MultiheadAttn, dropout2, n2, memory, memoryMask, memoryKeyPaddingMask, false);
            using var x2 = x1 + ca;
            using var n3 = Norm3.Forward(x2);
            using var ff = FeedForward(n3);
            return x2 + ff;
        }
        using var s1 = TransformerBlocks.Attend(SelfAttn, dropout1, tgt, tgt, tgtMask, tgtKeyPaddingMask, tgtIsCausal);
        using var r1 = tgt + s1;
        using var y1 = Norm1.Forward(r1);
        using var s2 = TransformerBlocks.Attend(MultiheadAttn, dropout2, y1, memory, memoryMask, memoryKeyPaddingMask, false);
        using var r2 = y1 + s2;
        using var y2 = Norm2.Forward(r2);
        using var f = FeedForward(y2);
        using var r3 = y2 + f;
        return Norm3.Forward(r3);
    }

    Tensor FeedForward(Tensor x) => TransformerBlocks.FeedForward(x, Linear1, activation, dropout, Linear2, dropout3);

    /// <summary>A new layer with the same settings and a copy of this one's parameters.</summary>
    internal TransformerDecoderLayer Copy()
    {
        var copy = new TransformerDecoderLayer(DModel, NHead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst);
        copy.LoadStateDict(StateDict());
        return copy;
    }
}
