namespace Ember.NN;

/// <summary>
/// A multi-layer GRU (gate order r, z, n; n = tanh(W_in x + b_in + r·(W_hn h + b_hn)), as PyTorch),
/// optionally bidirectional. Forward(x) gives the output sequence; the full form also gives the final h.
/// </summary>
public sealed class GRU(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false,
    double dropout = 0, bool bidirectional = false, Generator? generator = null)
    : RNNBase(RnnMode.Gru, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, generator)
{
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0) => Forward(input, h0, (int[]?)null);

    /// <summary>The full form for a padded batch: lengths[n] valid steps for sequence n.</summary>
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0, int[]? lengths)
    {
        var (o, h, _) = Run(input, h0, null, lengths);
        return (o, h);
    }

    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0, Tensor lengths) => Forward(input, h0, Lengths(lengths));
}
