namespace Ember.NN;

/// <summary>
/// One step of each recurrence, on explicit weights (PyTorch's lstm_cell, gru_cell, rnn_tanh_cell,
/// rnn_relu_cell): input [N, I] or unbatched [I], states [N, H] or [H] (zeros when null),
/// weight_ih [G·H, I], weight_hh [G·H, H], optional biases [G·H]. The cells call these.
/// </summary>
public static partial class Functional
{
    /// <summary>One LSTM step (gate order i, f, g, o): the new (h, c).</summary>
    public static (Tensor H, Tensor C) LstmCell(Tensor input, Tensor? hx, Tensor? cx, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh = null, Tensor? biasHh = null)
    {
        var (h, c) = CellStep(RnnMode.Lstm, input, hx, cx, weightIh, weightHh, biasIh, biasHh, "LstmCell");
        return (h, c!);
    }

    /// <summary>One GRU step (gate order r, z, n): the new h.</summary>
    public static Tensor GruCell(Tensor input, Tensor? hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
        => CellStep(RnnMode.Gru, input, hx, null, weightIh, weightHh, biasIh, biasHh, "GruCell").H;

    /// <summary>One Elman step, h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).</summary>
    public static Tensor RnnTanhCell(Tensor input, Tensor? hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
        => CellStep(RnnMode.RnnTanh, input, hx, null, weightIh, weightHh, biasIh, biasHh, "RnnTanhCell").H;

    /// <summary>One Elman step with relu.</summary>
    public static Tensor RnnReluCell(Tensor input, Tensor? hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
        => CellStep(RnnMode.RnnRelu, input, hx, null, weightIh, weightHh, biasIh, biasHh, "RnnReluCell").H;

    /// <summary>The fused layer op run for one step; <paramref name="op"/> names the caller in errors.</summary>
    internal static (Tensor H, Tensor? C) CellStep(RnnMode mode, Tensor input, Tensor? hx, Tensor? cx, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh, Tensor? biasHh, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        bool lstm = mode == RnnMode.Lstm;
        if (input.Rank is not (1 or 2))
            throw new ArgumentException($"{op}: expected an input [N, I] or an unbatched [I], got shape {Shapes.Format(input.Shape)}.");
        if (weightIh.Rank != 2 || weightHh.Rank != 2)
            throw new ArgumentException($"{op}: the weights must be 2-d, got weight_ih {Shapes.Format(weightIh.Shape)} and weight_hh {Shapes.Format(weightHh.Shape)}.");
        int inputSize = weightIh.Shape[1], hidden = weightHh.Shape[1];
        if (input.Shape[^1] != inputSize)
            throw new ArgumentException($"{op}: input of shape {Shapes.Format(input.Shape)} has {input.Shape[^1]} features; expected inputSize {inputSize}.");
        bool batched = input.Rank == 2;
        int n = batched ? input.Shape[0] : 1;
        int[] stateShape = batched ? [n, hidden] : [hidden];
        if (hx is not null && !Shapes.SameShape(hx.Shape, stateShape))
            throw new ArgumentException($"{op}: h0 has shape {Shapes.Format(hx.Shape)} but the input {Shapes.Format(input.Shape)} needs {Shapes.Format(stateShape)}.");
        if (lstm && cx is not null && !Shapes.SameShape(cx.Shape, stateShape))
            throw new ArgumentException($"{op}: c0 has shape {Shapes.Format(cx.Shape)} but the input {Shapes.Format(input.Shape)} needs {Shapes.Format(stateShape)}.");

        var dtype = DTypes.Promote(input.DType, weightIh.DType);
        using var x = input.Reshape(1, n, inputSize);
        using var h = hx?.Reshape(n, hidden) ?? Tensor.Zeros([n, hidden], dtype);
        using var c = !lstm ? null : cx?.Reshape(n, hidden) ?? Tensor.Zeros([n, hidden], dtype);
        using var packed = Tensor.RecurrentLayer(mode, x, h, c, weightIh, weightHh, biasIh, biasHh, null, null, false, op);
        var (o, hn, cn) = Tensor.UnpackRecurrent(packed, 1, n, hidden, hidden, lstm);
        o.Dispose();
        if (batched) return (hn, cn);
        using (hn) using (cn) return (hn.Reshape(hidden), cn?.Reshape(hidden));
    }
}
