namespace Ember.NN;

/// <summary>
/// A multi-layer LSTM (gate order i, f, g, o, as PyTorch), optionally bidirectional and with a
/// projection of h (projSize: weight_hr_l{k} [projSize, hidden]). Forward(x) gives the output sequence;
/// the full form also gives the final h and c ([layers·directions, N, H]). With lengths, each sequence
/// runs over its own first steps only, as with pack_padded_sequence.
/// </summary>
public sealed class LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
    double dropout = 0, bool bidirectional = false, int projSize = 0, Generator? generator = null)
    : RNNBase(RnnMode.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, generator)
{
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor? h0, Tensor? c0) => Forward(input, h0, c0, (int[]?)null);

    /// <summary>The full form for a padded batch: lengths[n] valid steps for sequence n (the rest is padding).</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor? h0, Tensor? c0, int[]? lengths)
    {
        var (o, h, c) = Run(input, h0, c0, lengths);
        return (o, h, c!);
    }

    /// <summary>The full form with lengths as an Int64 tensor [N].</summary>
    public (Tensor Output, Tensor H, Tensor C) Forward(Tensor input, Tensor? h0, Tensor? c0, Tensor lengths)
        => Forward(input, h0, c0, Lengths(lengths));
}
