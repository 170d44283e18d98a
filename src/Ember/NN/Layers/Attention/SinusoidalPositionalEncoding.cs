namespace Ember.NN;

/// <summary>
/// The fixed sinusoidal encoding of "Attention Is All You Need" added to a sequence:
/// pe[p, 2i] = sin(p / 10000^(2i/d)), pe[p, 2i+1] = cos(p / 10000^(2i/d)), held as the non-persistent
/// buffer "pe" [maxLen, dModel] (it is recomputed, not saved), followed by dropout.
/// Inputs are [L, N, E] ([N, L, E] with batchFirst) or [L, E].
/// </summary>
public sealed class SinusoidalPositionalEncoding : Module<Tensor, Tensor>
{
    public int DModel { get; }
    public int MaxLen { get; }
    public bool BatchFirst { get; }
    public Tensor Pe { get; }
    readonly Dropout dropout;

    public SinusoidalPositionalEncoding(int dModel, int maxLen = 5000, double dropout = 0, bool batchFirst = false, Generator? generator = null)
    {
        if (dModel <= 0 || maxLen <= 0)
            throw new ArgumentException($"SinusoidalPositionalEncoding: dModel ({dModel}) and maxLen ({maxLen}) must be positive.");
        (DModel, MaxLen, BatchFirst) = (dModel, maxLen, batchFirst);
        Pe = Buffer("pe", Table(maxLen, dModel), persistent: false);
        this.dropout = Child("dropout", new Dropout(dropout, generator));
    }

    /// <summary>The [length, dModel] table, computed in double and stored as Float32.</summary>
    public static Tensor Table(int length, int dModel)
    {
        var pe = new float[(long)length * dModel];
        for (int p = 0; p < length; p++)
            for (int i = 0; i < dModel; i += 2)
            {
                double angle = p * Math.Exp(-Math.Log(10000.0) * i / dModel);
                pe[(long)p * dModel + i] = (float)Math.Sin(angle);
                if (i + 1 < dModel) pe[(long)p * dModel + i + 1] = (float)Math.Cos(angle);
            }
        return Tensor.FromArray(pe, length, dModel);
    }

    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var table = PositionTable(input, Pe, MaxLen, DModel, BatchFirst, "SinusoidalPositionalEncoding");
        using var sum = input + table;
        return dropout.Forward(sum);
    }

    /// <summary>
    /// The first L rows of <paramref name="table"/>, shaped to broadcast against input:
    /// [L, 1, E] for [L, N, E], [L, E] for [N, L, E] and [L, E].
    /// </summary>
    internal static Tensor PositionTable(Tensor input, Tensor table, int maxLen, int dModel, bool batchFirst, string layer)
    {
        if (input.Rank is not (2 or 3) || input.Shape[^1] != dModel)
            throw new ArgumentException($"{layer}: expected an input [L, N, {dModel}], [N, L, {dModel}] or [L, {dModel}], got {Shapes.Format(input.Shape)}.");
        int seqDim = input.Rank == 3 && batchFirst ? 1 : 0;
        int length = input.Shape[seqDim];
        if (length > maxLen)
            throw new ArgumentException($"{layer}: the sequence of length {length} in {Shapes.Format(input.Shape)} is longer than maxLen ({maxLen}).");
        using var rows = table.Narrow(0, 0, length);
        return input.Rank == 3 && !batchFirst ? rows.Unsqueeze(1) : rows.Reshape(rows.Shape);
    }
}
