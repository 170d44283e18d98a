namespace Ember.NN;

/// <summary>
/// A learned absolute position encoding: position p adds row p of the child "embedding"
/// (an <see cref="Embedding"/> of maxLen × dModel, N(0, 1) initialised), then dropout.
/// </summary>
public sealed class LearnedPositionalEncoding : Module<Tensor, Tensor>
{
    public int DModel { get; }
    public int MaxLen { get; }
    public bool BatchFirst { get; }
    public Embedding Embedding { get; }
    readonly Dropout dropout;

    public LearnedPositionalEncoding(int maxLen, int dModel, double dropout = 0, bool batchFirst = false, Generator? generator = null)
    {
        if (dModel <= 0 || maxLen <= 0)
            throw new ArgumentException($"LearnedPositionalEncoding: maxLen ({maxLen}) and dModel ({dModel}) must be positive.");
        (DModel, MaxLen, BatchFirst) = (dModel, maxLen, batchFirst);
        Embedding = Child("embedding", new Embedding(maxLen, dModel, generator: generator));
        this.dropout = Child("dropout", new Dropout(dropout, generator));
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var table = SinusoidalPositionalEncoding.PositionTable(input, Embedding.Weight, MaxLen, DModel, BatchFirst, "LearnedPositionalEncoding");
        using var sum = input + table;
        return dropout.Forward(sum);
    }
}
