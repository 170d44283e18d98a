namespace Ember.NN;

/// <summary>
/// numLayers copies of a decoder layer applied in turn over the same memory, then an optional final norm
/// (PyTorch's nn.TransformerDecoder): "layers.0.multihead_attn.in_proj_weight", …, "norm.weight".
/// </summary>
public sealed class TransformerDecoder : Module<(Tensor Tgt, Tensor Memory), Tensor>
{
    public ModuleList<TransformerDecoderLayer> Layers { get; }
    public LayerNorm? Norm { get; }
    public int NumLayers => Layers.Count;

    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLayer);
        if (numLayers < 0) throw new ArgumentException($"TransformerDecoder: numLayers must be non-negative, got {numLayers}.");
        Layers = Child("layers", new ModuleList<TransformerDecoderLayer>(Enumerable.Range(0, numLayers).Select(_ => decoderLayer.Copy())));
        if (norm is not null) Norm = Child("norm", norm);
    }

    public override Tensor Forward((Tensor Tgt, Tensor Memory) input) => Forward(input.Tgt, input.Memory);

    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null, bool tgtIsCausal = false)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        var x = tgt.Reshape(tgt.Shape);
        foreach (var layer in Layers)
            using (var prev = x) x = layer.Forward(prev, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask, tgtIsCausal);
        if (Norm is null) return x;
        using (x) return Norm.Forward(x);
    }
}
