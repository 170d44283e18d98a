namespace Ember.NN;

/// <summary>
/// A lookup table of numEmbeddings vectors of size embeddingDim (weight [num, dim], initialised N(0, 1)
/// as in PyTorch). The paddingIdx row (negative counts from the end) starts at zero and never receives
/// a gradient. With maxNorm, each looked-up row whose normType-norm exceeds maxNorm is rescaled in
/// place to that norm before the lookup, as PyTorch does. With scaleGradByFreq, gradients are divided
/// by how often each index occurs in the batch.
/// </summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Parameter Weight { get; }
    public int NumEmbeddings { get; }
    public int EmbeddingDim { get; }
    /// <summary>The padding row, normalised to [0, num).</summary>
    public int? PaddingIdx { get; }
    public double? MaxNorm { get; }
    public double NormType { get; }
    public bool ScaleGradByFreq { get; }

    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, double? maxNorm = null, double normType = 2,
        bool scaleGradByFreq = false, Generator? generator = null)
        : this(numEmbeddings, embeddingDim, paddingIdx, maxNorm, normType, scaleGradByFreq, weight: null, generator) { }

    Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx, double? maxNorm, double normType, bool scaleGradByFreq,
        Tensor? weight, Generator? generator)
    {
        if (numEmbeddings < 0 || embeddingDim < 0)
            throw new ArgumentException($"Embedding: numEmbeddings ({numEmbeddings}) and embeddingDim ({embeddingDim}) must be non-negative.");
        if (maxNorm is { } mn && !(mn >= 0)) throw new ArgumentException($"Embedding: maxNorm must be non-negative, got {mn}.");
        if (!(normType > 0)) throw new ArgumentException($"Embedding: normType must be positive, got {normType}.");
        (NumEmbeddings, EmbeddingDim) = (numEmbeddings, embeddingDim);
        PaddingIdx = Tensor.NormalizePaddingIdx(paddingIdx, numEmbeddings, "Embedding");
        (MaxNorm, NormType, ScaleGradByFreq) = (maxNorm, normType, scaleGradByFreq);
        if (weight is null)
        {
            var w = Init.Normal([numEmbeddings, embeddingDim], 1, generator);
            if (PaddingIdx is { } pad)
                using (var row = w.Narrow(0, pad, 1)) row.FillInPlace(0);
            Weight = Param("weight", w);
        }
        else Weight = Param("weight", new Parameter(weight));
    }

    /// <summary>
    /// An Embedding over the given [num, dim] weights (shared, not copied; the padding row is left as it
    /// is). With <paramref name="freeze"/> the weight does not require grad.
    /// </summary>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null, double? maxNorm = null,
        double normType = 2, bool scaleGradByFreq = false)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Rank != 2)
            throw new ArgumentException($"Embedding.FromPretrained: the embeddings must be 2-d [num_embeddings, embedding_dim], got shape {Shapes.Format(embeddings.Shape)}.");
        var e = new Embedding(embeddings.Size(0), embeddings.Size(1), paddingIdx, maxNorm, normType, scaleGradByFreq, embeddings, null);
        e.Weight.RequiresGrad = !freeze;
        return e;
    }

    public override Tensor Forward(Tensor input)
        => Functional.Embedding(input, Weight, PaddingIdx, MaxNorm, NormType, ScaleGradByFreq);

    public override string ExtraRepr()
    {
        var s = $"{NumEmbeddings}, {EmbeddingDim}";
        if (PaddingIdx is { } p) s += $", padding_idx={p}";
        if (MaxNorm is { } m) s += $", max_norm={PyFloat(m)}";
        if (NormType != 2) s += $", norm_type={PyFloat(NormType)}";
        if (ScaleGradByFreq) s += ", scale_grad_by_freq=True";
        return s;
    }
}
