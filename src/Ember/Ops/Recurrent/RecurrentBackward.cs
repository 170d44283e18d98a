using System.Numerics;

namespace Ember;

/// <summary>
/// What a fused recurrent layer-direction keeps for backward, each [T, N, width] by time: the state
/// before every step (h; c for LSTM), the gate activations, tanh(c) and the pre-projection m of a
/// projected LSTM. Freed as soon as backward has run.
/// </summary>
internal sealed class RecurrentSaved : IDisposable
{
    public readonly Tensor HPrev, Gates;
    public readonly Tensor? CPrev, TanhC, M;

    public RecurrentSaved(in RecurrentShape s, DType dtype)
    {
        HPrev = Tensor.Allocate([s.T, s.N, s.P], dtype);
        Gates = Tensor.Allocate([s.T, s.N, s.Saved], dtype);
        if (s.IsLstm)
        {
            CPrev = Tensor.Allocate([s.T, s.N, s.H], dtype);
            TanhC = Tensor.Allocate([s.T, s.N, s.H], dtype);
        }
        if (s.HasProjection) M = Tensor.Allocate([s.T, s.N, s.H], dtype);
    }

    public unsafe RecurrentLoop<T>.State State<T>() where T : unmanaged, IFloatingPointIeee754<T>
        => new((T*)HPrev.DataPointer, (T*)Gates.DataPointer, P<T>(CPrev), P<T>(TanhC), P<T>(M));

    static unsafe T* P<T>(Tensor? t) where T : unmanaged => t is null ? null : (T*)t.DataPointer;

    public void Dispose()
    {
        HPrev.Dispose(); Gates.Dispose(); CPrev?.Dispose(); TanhC?.Dispose(); M?.Dispose();
    }
}

public partial class Tensor
{
    /// <summary>
    /// BPTT for <see cref="RecurrentLayer"/>: inputs are (input, h0, [c0], weight_ih, weight_hh, [bias_ih],
    /// [bias_hh], [weight_hr]); the positions of the optional ones are passed in.
    /// </summary>
    sealed class RecurrentBackward(string op, RecurrentShape s, RecurrentSaved saved, int[]? lengths, Saved? input, Saved? wIh,
        Saved wHh, Saved? wHr, bool lstm, int bIhAt, int bHhAt, int wHrAt) : Node
    {
        public override string Name => op + "Backward";

        protected internal override Tensor?[] Backward(Tensor grad)
        {
            var dtype = saved.Gates.DType;
            int wIhAt = lstm ? 3 : 2, wHhAt = wIhAt + 1;
            var result = new Tensor?[InputShapes.Length];
            Tensor? Make(int i) => i >= 0 && NeedsInputGrad(i) ? (result[i] = Allocate((int[])InputShapes[i].Clone(), dtype)) : null;
            Make(0); Make(1);
            if (lstm) Make(2);
            Make(wIhAt); Make(wHhAt); Make(bIhAt); Make(bHhAt); Make(wHrAt);

            using var g = grad.ContiguousInDType(dtype);
            using var x = input?.Value.ContiguousInDType(dtype);
            using var wi = wIh?.Value.ContiguousInDType(dtype);
            using var wh = wHh.Value.ContiguousInDType(dtype);
            using var wr = wHr?.Value.ContiguousInDType(dtype);
            if (dtype == DType.Float32) Run<float>(g, x, wi, wh, wr, result, wIhAt, wHhAt);
            else Run<double>(g, x, wi, wh, wr, result, wIhAt, wHhAt);
            return result;
        }

        unsafe void Run<T>(Tensor g, Tensor? x, Tensor? wi, Tensor wh, Tensor? wr, Tensor?[] r, int wIhAt, int wHhAt)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* At(int i) => i >= 0 && r[i] is { } t ? (T*)t.DataPointer : null;
            var grads = new RecurrentLoop<T>.Grads(At(0), At(1), lstm ? At(2) : null, At(wIhAt), At(wHhAt), At(bIhAt), At(bHhAt), At(wHrAt));
            RecurrentLoop<T>.Backward(s, (T*)g.DataPointer, x is null ? null : (T*)x.DataPointer, wi is null ? null : (T*)wi.DataPointer, (T*)wh.DataPointer,
                wr is null ? null : (T*)wr.DataPointer, lengths, saved.State<T>(), grads);
        }

        protected override void ReleaseSaved()
        {
            saved.Dispose(); input?.Release(); wIh?.Release(); wHh.Release(); wHr?.Release();
        }
    }
}
