using System.Numerics;

namespace Ember;

/// <summary>
/// One recurrent layer in one direction as a single fused op with its own backward (BPTT). Its result
/// packs the output sequence [T, N, P], the final h [N, P] and, for LSTM, the final c [N, H] into one
/// flat tensor, so one node receives all their gradients at once; <see cref="UnpackRecurrent"/> gives
/// the three parts as views.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Runs the recurrence over input [T, N, I] from h0 [N, P] (and c0 [N, H]) with weight_ih [G·H, I],
    /// weight_hh [G·H, P], optional biases [G·H] and, for a projected LSTM, weight_hr [P, H]. With
    /// <paramref name="lengths"/>, row n runs only over its first lengths[n] steps (backwards from its
    /// own last step when <paramref name="reverse"/>); later steps output zeros and keep the state.
    /// </summary>
    internal static Tensor RecurrentLayer(RnnMode mode, Tensor input, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh,
        Tensor? bIh, Tensor? bHh, Tensor? wHr, int[]? lengths, bool reverse, string op)
    {
        bool lstm = mode == RnnMode.Lstm;
        if (input.Rank != 3) throw new ArgumentException($"{op}: expected an input [T, N, I], got shape {Shapes.Format(input.shape)}.");
        int steps = input.shape[0], n = input.shape[1], inSize = input.shape[2];
        int gates = wIh.Rank == 2 ? wIh.shape[0] : -1;
        int count = mode switch { RnnMode.Lstm => 4, RnnMode.Gru => 3, _ => 1 };
        int h = gates / count;
        int p = wHr is null || wHr.Rank != 2 ? h : wHr.shape[0];
        if (wIh.Rank != 2 || wIh.shape[1] != inSize || h <= 0 || gates % count != 0)
            throw new ArgumentException($"{op}: weight_ih of shape {Shapes.Format(wIh.shape)} does not fit an input of shape {Shapes.Format(input.shape)} (expected [gates·hidden, {inSize}]).");
        CheckShape(wHh, [gates, p], op, "weight_hh");
        if (bIh is not null) CheckShape(bIh, [gates], op, "bias_ih");
        if (bHh is not null) CheckShape(bHh, [gates], op, "bias_hh");
        if (wHr is not null) CheckShape(wHr, [p, h], op, "weight_hr");
        CheckShape(h0, [n, p], op, "h0");
        if (lstm) CheckShape(c0 ?? throw new ArgumentException($"{op}: an LSTM needs c0."), [n, h], op, "c0");
        if (steps == 0) throw new ArgumentException($"{op}: the input {Shapes.Format(input.shape)} has no time steps.");
        if (lengths is not null)
        {
            if (lengths.Length != n) throw new ArgumentException($"{op}: {lengths.Length} lengths given for a batch of {n}.");
            foreach (var l in lengths)
                if (l < 1 || l > steps) throw new ArgumentException($"{op}: every length must lie in [1, {steps}], got {l}.");
        }

        var all = new List<Tensor> { input, h0 };
        if (c0 is not null) all.Add(c0);
        int wIhAt = all.Count; all.Add(wIh);
        int wHhAt = all.Count; all.Add(wHh);
        int bIhAt = -1, bHhAt = -1, wHrAt = -1;
        if (bIh is not null) { bIhAt = all.Count; all.Add(bIh); }
        if (bHh is not null) { bHhAt = all.Count; all.Add(bHh); }
        if (wHr is not null) { wHrAt = all.Count; all.Add(wHr); }
        foreach (var t in all) t.Live(op);
        var dtype = all.Select(t => t.DType).Aggregate(DTypes.Promote);
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected floating-point input and weights, got {string.Join(", ", all.Select(t => t.DType).Distinct())}.");

        var s = new RecurrentShape(mode, steps, n, inSize, h, p, reverse);
        var saved = new RecurrentSaved(s, dtype);
        var y = Allocate([checked((int)s.PackedLength)], dtype);
        var c = all.Select(t => t.ContiguousInDType(dtype)).ToArray();
        try
        {
            Tensor? At(int i) => i < 0 ? null : c[i];
            if (dtype == DType.Float32) RunForward<float>(s, c[0], c[1], lstm ? c[2] : null, c[wIhAt], c[wHhAt], At(bIhAt), At(bHhAt), At(wHrAt), lengths, y, saved);
            else RunForward<double>(s, c[0], c[1], lstm ? c[2] : null, c[wIhAt], c[wHhAt], At(bIhAt), At(bHhAt), At(wHrAt), lengths, y, saved);
        }
        finally { foreach (var t in c) t.Dispose(); }

        if (GradMode.ShouldRecord(all.ToArray()))
        {
            var node = new RecurrentBackward(op, s, saved, lengths is null ? null : (int[])lengths.Clone(),
                // x only feeds dW_ih, and W_ih only dX.
                wIh.RequiresGrad ? new Saved(input, op) : null, input.RequiresGrad ? new Saved(wIh, op) : null,
                new Saved(wHh, op), wHr is null ? null : new Saved(wHr, op),
                lstm, bIhAt, bHhAt, wHrAt);
            GradMode.Record(y, node, all.ToArray());
        }
        else saved.Dispose();
        return y;
    }

    /// <summary>The output sequence [T, N, P], final h [N, P] and (LSTM) final c [N, H] of a packed result, as views.</summary>
    internal static (Tensor Output, Tensor H, Tensor? C) UnpackRecurrent(Tensor packed, int steps, int n, int h, int p, bool lstm)
    {
        int outLen = steps * n * p, hLen = n * p;
        using var o = packed.Narrow(0, 0, outLen);
        using var hf = packed.Narrow(0, outLen, hLen);
        Tensor? cf = null;
        if (lstm) using (var cflat = packed.Narrow(0, outLen + hLen, n * h)) cf = cflat.Reshape(n, h);
        return (o.Reshape(steps, n, p), hf.Reshape(n, p), cf);
    }

    static void CheckShape(Tensor t, int[] expected, string op, string what)
    {
        if (!Shapes.SameShape(t.shape, expected))
            throw new ArgumentException($"{op}: {what} has shape {Shapes.Format(t.shape)}; expected {Shapes.Format(expected)}.");
    }

    static unsafe void RunForward<T>(in RecurrentShape s, Tensor x, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh, Tensor? bIh,
        Tensor? bHh, Tensor? wHr, int[]? lengths, Tensor y, RecurrentSaved saved) where T : unmanaged, IFloatingPointIeee754<T>
    {
        RecurrentLoop<T>.Forward(s, (T*)x.DataPointer, (T*)wIh.DataPointer, (T*)wHh.DataPointer, Ptr<T>(bIh), Ptr<T>(bHh), Ptr<T>(wHr),
            lengths, (T*)h0.DataPointer, Ptr<T>(c0), (T*)y.DataPointer, saved.State<T>());
    }

    static unsafe T* Ptr<T>(Tensor? t) where T : unmanaged => t is null ? null : (T*)t.DataPointer;
}
