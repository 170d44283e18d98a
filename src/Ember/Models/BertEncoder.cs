using Ember.NN;

namespace Ember.Models;

/// <summary>
/// A BERT-style encoder: token ids [batch, seq] → token embedding + learned position embedding →
/// LayerNorm → dropout → a post-norm TransformerEncoder (GELU feed-forward, batch first) → hidden states
/// [batch, seq, dModel]. Parameters: "token_embedding.weight", "position.embedding.weight",
/// "embedding_norm.*", "encoder.layers.N.*" (nn.TransformerEncoderLayer's names).
/// </summary>
public sealed class BertEncoder : Module<Tensor, Tensor>
{
    readonly Embedding tokenEmbedding;
    readonly LearnedPositionalEncoding position;
    readonly LayerNorm embeddingNorm;
    readonly Dropout dropout;
    readonly TransformerEncoder encoder;

    public int VocabSize { get; }
    public int MaxLen { get; }
    public int DModel { get; }

    public BertEncoder(int vocabSize, int maxLen, int dModel = 256, int heads = 4, int layers = 4, int dimFeedforward = 1024,
        double dropout = 0.1, Generator? generator = null)
    {
        if (vocabSize < 1 || maxLen < 1 || layers < 0)
            throw new ArgumentException($"BertEncoder: vocabSize ({vocabSize}) and maxLen ({maxLen}) must be positive and layers ({layers}) non-negative.");
        (VocabSize, MaxLen, DModel) = (vocabSize, maxLen, dModel);
        tokenEmbedding = Child("token_embedding", new Embedding(vocabSize, dModel, generator: generator));
        position = Child("position", new LearnedPositionalEncoding(maxLen, dModel, 0, batchFirst: true, generator: generator));
        embeddingNorm = Child("embedding_norm", new LayerNorm(dModel, 1e-12));
        this.dropout = Child("dropout", new Dropout(dropout, generator));
        var layer = new TransformerEncoderLayer(dModel, heads, dimFeedforward, dropout, "gelu", 1e-12, batchFirst: true, generator: generator);
        encoder = Child("encoder", new TransformerEncoder(layer, layers));
    }

    public override Tensor Forward(Tensor tokens) => Forward(tokens, null);

    /// <summary>With a key padding mask [batch, seq] (true = padding, ignored by attention).</summary>
    public Tensor Forward(Tensor tokens, Tensor? paddingMask)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Rank != 2 || tokens.Shape[1] > MaxLen)
            throw new ArgumentException($"BertEncoder: expects token ids [batch, seq] with seq ≤ {MaxLen}, got {Shapes.Format(tokens.Shape)}.");
        using var embedded = tokenEmbedding.Forward(tokens);
        using var positioned = position.Forward(embedded);
        using var normed = embeddingNorm.Forward(positioned);
        using var dropped = dropout.Forward(normed);
        return encoder.Forward(dropped, null, paddingMask);
    }
}
