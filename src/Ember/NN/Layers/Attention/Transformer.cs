namespace Ember.NN;

/// <summary>
/// The full encoder–decoder Transformer, PyTorch's nn.Transformer: an encoder of numEncoderLayers
/// layers with a final LayerNorm ("encoder.*") and a decoder of numDecoderLayers layers with a final
/// LayerNorm ("decoder.*"). Every parameter with more than one dim starts xavier_uniform, as in PyTorch.
/// </summary>
public sealed class Transformer : Module<(Tensor Src, Tensor Tgt), Tensor>
{
    public TransformerEncoder Encoder { get; }
    public TransformerDecoder Decoder { get; }
    public int DModel { get; }
    public int NHead { get; }
    public bool BatchFirst { get; }

    public Transformer(int dModel = 512, int nhead = 8, int numEncoderLayers = 6, int numDecoderLayers = 6, int dimFeedforward = 2048,
        double dropout = 0.1, string activation = "relu", double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false,
        Generator? generator = null)
    {
        (DModel, NHead, BatchFirst) = (dModel, nhead, batchFirst);
        var encoderLayer = new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        Encoder = Child("encoder", new TransformerEncoder(encoderLayer, numEncoderLayers, new LayerNorm(dModel, layerNormEps)));
        var decoderLayer = new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, generator);
        Decoder = Child("decoder", new TransformerDecoder(decoderLayer, numDecoderLayers, new LayerNorm(dModel, layerNormEps)));
        foreach (var p in Parameters())
            if (p.Rank > 1) Init.XavierUniform(p, generator: generator);
    }

    public override Tensor Forward((Tensor Src, Tensor Tgt) input) => Forward(input.Src, input.Tgt);

    /// <summary>
    /// src [S, N, E] and tgt [T, N, E] ([N, ·, E] with batchFirst) → [T, N, E]. Masks as in
    /// <see cref="MultiheadAttention"/>: srcMask [S, S], tgtMask [T, T] (see <see cref="GenerateSquareSubsequentMask"/>),
    /// memoryMask [T, S], key padding masks [N, S] / [N, T].
    /// </summary>
    public Tensor Forward(Tensor src, Tensor tgt, Tensor? srcMask = null, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? srcKeyPaddingMask = null, Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(tgt);
        if (src.Rank != tgt.Rank)
            throw new ArgumentException($"Transformer: src {Shapes.Format(src.Shape)} and tgt {Shapes.Format(tgt.Shape)} must both be batched (3-d) or both unbatched (2-d).");
        int batchDim = BatchFirst ? 0 : 1;
        if (src.Rank == 3 && src.Shape[batchDim] != tgt.Shape[batchDim])
            throw new ArgumentException($"Transformer: src {Shapes.Format(src.Shape)} and tgt {Shapes.Format(tgt.Shape)} must have the same batch size.");
        if (src.Shape[^1] != DModel || tgt.Shape[^1] != DModel)
            throw new ArgumentException($"Transformer: the feature size of src {Shapes.Format(src.Shape)} and tgt {Shapes.Format(tgt.Shape)} must equal dModel ({DModel}).");
        using var memory = Encoder.Forward(src, srcMask, srcKeyPaddingMask);
        return Decoder.Forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    /// <summary>[size, size] with 0 on and below the diagonal and −∞ above: each position sees only itself and earlier ones.</summary>
    public static Tensor GenerateSquareSubsequentMask(int size, DType dtype = DType.Float32)
    {
        if (size < 0) throw new ArgumentException($"Transformer.GenerateSquareSubsequentMask: the size must be non-negative, got {size}.");
        return MultiheadAttention.CausalMask(size, size, dtype);
    }
}
