namespace Ember.NN;

/// <summary>
/// numLayers copies of an encoder layer applied in turn, then an optional final norm (PyTorch's
/// nn.TransformerEncoder): parameters "layers.0.self_attn.in_proj_weight", …, "norm.weight".
/// Each copy starts from the given layer's parameters, as PyTorch's deep copies do.
/// </summary>
public sealed class TransformerEncoder : Module<Tensor, Tensor>
{
    public ModuleList<TransformerEncoderLayer> Layers { get; }
    public LayerNorm? Norm { get; }
    public int NumLayers => Layers.Count;

    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(encoderLayer);
        if (numLayers < 0) throw new ArgumentException($"TransformerEncoder: numLayers must be non-negative, got {numLayers}.");
        Layers = Child("layers", new ModuleList<TransformerEncoderLayer>(Enumerable.Range(0, numLayers).Select(_ => encoderLayer.Copy())));
        if (norm is not null) Norm = Child("norm", norm);
    }

    public override Tensor Forward(Tensor src) => Forward(src, null, null);

    /// <summary>src through every layer with the same masks, then the norm.</summary>
    public Tensor Forward(Tensor src, Tensor? mask, Tensor? srcKeyPaddingMask, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(src);
        var x = src.Reshape(src.Shape);
        foreach (var layer in Layers)
            using (var prev = x) x = layer.Forward(prev, mask, srcKeyPaddingMask, isCausal);
        if (Norm is null) return x;
        using (x) return Norm.Forward(x);
    }
}
