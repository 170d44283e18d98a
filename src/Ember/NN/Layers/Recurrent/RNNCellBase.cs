namespace Ember.NN;

/// <summary>
/// What RNNCell, LSTMCell and GRUCell share: weight_ih [G·H, I], weight_hh [G·H, H], bias_ih, bias_hh
/// drawn from U(±1/√hidden), and one step of the fused recurrence (the layer op with T = 1). Inputs are
/// [N, I] or unbatched [I]; states [N, H] or [H].
/// </summary>
public abstract class RNNCellBase : Module
{
    private protected readonly RnnMode mode;

    public int InputSize { get; }
    public int HiddenSize { get; }
    public Parameter WeightIh { get; }
    public Parameter WeightHh { get; }
    public Parameter? BiasIh { get; }
    public Parameter? BiasHh { get; }

    private protected RNNCellBase(RnnMode mode, int inputSize, int hiddenSize, bool bias, Generator? generator)
    {
        if (inputSize < 1 || hiddenSize < 1)
            throw new ArgumentException($"{GetType().Name}: inputSize ({inputSize}) and hiddenSize ({hiddenSize}) must be positive.");
        (this.mode, InputSize, HiddenSize) = (mode, inputSize, hiddenSize);
        int gates = RNNBase.GateCount(mode) * hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        WeightIh = Param("weight_ih", Init.Uniform([gates, inputSize], -bound, bound, generator));
        WeightHh = Param("weight_hh", Init.Uniform([gates, hiddenSize], -bound, bound, generator));
        if (bias)
        {
            BiasIh = Param("bias_ih", Init.Uniform([gates], -bound, bound, generator));
            BiasHh = Param("bias_hh", Init.Uniform([gates], -bound, bound, generator));
        }
        else { NoParam("bias_ih"); NoParam("bias_hh"); }
    }

    /// <summary>One step: the new h and (LSTM) c, shaped like the input's batch.</summary>
    private protected (Tensor H, Tensor? C) Step(Tensor input, Tensor? hx, Tensor? cx)
        => Functional.CellStep(mode, input, hx, cx, WeightIh, WeightHh, BiasIh, BiasHh, GetType().Name);

    public override string ExtraRepr()
        => $"{InputSize}, {HiddenSize}" + (BiasIh is null ? ", bias=False" : "") + (mode == RnnMode.RnnRelu ? ", nonlinearity=relu" : "");
}

/// <summary>One LSTM step (gate order i, f, g, o) for hand-written loops: (h', c') from x and (h, c) (zeros when absent).</summary>
public sealed class LSTMCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
    : RNNCellBase(RnnMode.Lstm, inputSize, hiddenSize, bias, generator)
{
    public (Tensor H, Tensor C) Forward(Tensor input, Tensor? h0 = null, Tensor? c0 = null)
    {
        var (h, c) = Step(input, h0, c0);
        return (h, c!);
    }
}

/// <summary>One GRU step (gate order r, z, n) for hand-written loops: h' from x and h (zeros when absent).</summary>
public sealed class GRUCell(int inputSize, int hiddenSize, bool bias = true, Generator? generator = null)
    : RNNCellBase(RnnMode.Gru, inputSize, hiddenSize, bias, generator)
{
    public Tensor Forward(Tensor input, Tensor? h0 = null) => Step(input, h0, null).H;
}

/// <summary>One Elman RNN step (tanh or relu) for hand-written loops: h' from x and h (zeros when absent).</summary>
public sealed class RNNCell(int inputSize, int hiddenSize, bool bias = true, string nonlinearity = "tanh", Generator? generator = null)
    : RNNCellBase(RNN.ModeOf(nonlinearity), inputSize, hiddenSize, bias, generator)
{
    public Tensor Forward(Tensor input, Tensor? h0 = null) => Step(input, h0, null).H;
}
