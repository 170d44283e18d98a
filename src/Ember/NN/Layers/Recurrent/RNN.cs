namespace Ember.NN;

/// <summary>
/// A multi-layer Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), or relu with nonlinearity "relu".
/// Forward(x) gives the output sequence; the full form also gives the final h.
/// </summary>
public sealed class RNN(int inputSize, int hiddenSize, int numLayers = 1, string nonlinearity = "tanh", bool bias = true,
    bool batchFirst = false, double dropout = 0, bool bidirectional = false, Generator? generator = null)
    : RNNBase(ModeOf(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, generator)
{
    public string Nonlinearity => mode == RnnMode.RnnRelu ? "relu" : "tanh";

    internal static RnnMode ModeOf(string nonlinearity) => nonlinearity switch
    {
        "tanh" => RnnMode.RnnTanh,
        "relu" => RnnMode.RnnRelu,
        _ => throw new ArgumentException($"RNN: unknown nonlinearity '{nonlinearity}'; expected \"tanh\" or \"relu\"."),
    };

    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0) => Forward(input, h0, (int[]?)null);

    /// <summary>The full form for a padded batch: lengths[n] valid steps for sequence n.</summary>
    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0, int[]? lengths)
    {
        var (o, h, _) = Run(input, h0, null, lengths);
        return (o, h);
    }

    public (Tensor Output, Tensor H) Forward(Tensor input, Tensor? h0, Tensor lengths) => Forward(input, h0, Lengths(lengths));
}
