namespace Ember;

/// <summary>Which recurrence a fused layer runs.</summary>
internal enum RnnMode { RnnTanh, RnnRelu, Lstm, Gru }

/// <summary>
/// The sizes of one layer-direction: T steps, batch N, input I, hidden H, output (projection) P (= H
/// without projection). Gates = H·(4 | 3 | 1) is the width of the projections; Saved is the width of
/// the per-step block kept for backward (LSTM's i, f, g, o; GRU's r, z, n and h_n; RNN's output).
/// </summary>
internal readonly record struct RecurrentShape(RnnMode Mode, int T, int N, int I, int H, int P, bool Reverse)
{
    public int GateCount => Mode switch { RnnMode.Lstm => 4, RnnMode.Gru => 3, _ => 1 };
    public int Gates => GateCount * H;
    public int Saved => Mode switch { RnnMode.Lstm or RnnMode.Gru => 4 * H, _ => H };
    public bool IsLstm => Mode == RnnMode.Lstm;
    public bool HasProjection => IsLstm && P != H;
    public bool Relu => Mode == RnnMode.RnnRelu;

    /// <summary>The time index of processing step s (the reverse direction walks from the end).</summary>
    public int TimeAt(int s) => Reverse ? T - 1 - s : s;

    /// <summary>Elements of the packed result: the output sequence [T, N, P], the final h [N, P] and, for LSTM, the final c [N, H].</summary>
    public long PackedLength => (long)T * N * P + (long)N * P + (IsLstm ? (long)N * H : 0);
}
