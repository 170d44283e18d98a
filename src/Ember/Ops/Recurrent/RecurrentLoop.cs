using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// The time loops of a fused recurrent layer-direction on raw contiguous buffers. Forward: one GEMM for
/// the input projection of all T steps, then per step one GEMM for h·W_hhᵀ (W_hh packed once for all
/// steps) and one pass of the gate kernel. Backward (BPTT): per step one pass of the gate kernel and one GEMM for dh; the weight
/// gradients and dX are one GEMM each over the whole sequence at the end.
/// </summary>
internal static unsafe class RecurrentLoop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The per-step tensors saved for backward (each [T, N, width], indexed by time).</summary>
    public readonly struct State(T* hPrev, T* gates, T* cPrev, T* tanhC, T* m)
    {
        public readonly T* HPrev = hPrev, Gates = gates, CPrev = cPrev, TanhC = tanhC, M = m;
    }

    static int Threads => Threading.NumThreads;

    /// <summary>A pooled, uninitialised working buffer of <paramref name="length"/> elements.</summary>
    static Tensor Scratch(long length) => Tensor.Allocate([checked((int)length)], DTypes.Of<T>());

    static T* Ptr(Tensor? t) => t is null ? null : (T*)t.DataPointer;

    /// <summary>
    /// A weight packed once for the product every time step repeats with it (k×n op(W), stored n×k when
    /// transposed): the steps then pack only their few rows of state instead of the whole weight.
    /// </summary>
    static Tensor PackedWeight(bool transposed, int k, int n, T* w)
    {
        var packed = Scratch(Gemm.PackedBLength<T>(k, n));
        Gemm.PackB(transposed, k, n, w, transposed ? k : n, Ptr(packed));
        return packed;
    }

    /// <summary>Which rows are still inside their sequence at time t (empty: all of them).</summary>
    static ReadOnlySpan<bool> Active(int[]? lengths, int t, bool[] buffer)
    {
        if (lengths is null) return default;
        for (int n = 0; n < buffer.Length; n++) buffer[n] = t < lengths[n];
        return buffer;
    }

    public static void Forward(in RecurrentShape s, T* x, T* wIh, T* wHh, T* bIh, T* bHh, T* wHr, int[]? lengths,
        T* h0, T* c0, T* packed, in State st)
    {
        int T_ = s.T, N = s.N, H = s.H, P = s.P, G = s.Gates, W = s.Saved;
        long np = (long)N * P, nh = (long)N * H;
        T* output = packed, hFinal = packed + T_ * np, cFinal = hFinal + np;

        // Input projection of the whole sequence; for LSTM and RNN both biases go in here.
        using var xwBuf = Scratch((long)T_ * N * G);
        T[]? bias = null;
        if (bIh != null || bHh != null)
        {
            bias = new T[G];
            int biasCount = s.Mode == RnnMode.Gru ? 1 : 2;
            for (int j = 0; j < G; j++)
                bias[j] = (bIh != null ? bIh[j] : T.Zero) + (biasCount == 2 && bHh != null ? bHh[j] : T.Zero);
        }
        using var hhBuf = s.Mode == RnnMode.Gru ? Scratch((long)N * G) : null;
        using var whh = PackedWeight(true, P, G, wHh);
        using var whr = s.HasProjection ? PackedWeight(true, H, P, wHr) : null;
        var active = new bool[N];
        T* xwp = Ptr(xwBuf), hhp = Ptr(hhBuf), whhp = Ptr(whh), whrp = Ptr(whr);
        fixed (T* bp = bias)
        {
            Gemm.Run(Threads, false, true, T_ * N, G, s.I, T.One, x, s.I, wIh, s.I, T.Zero, xwp, G,
                new GemmEpilogue<T>(null, bp, GemmActivation.None));
            new Span<T>(h0, (int)np).CopyTo(new Span<T>(st.HPrev + s.TimeAt(0) * np, (int)np));
            if (s.IsLstm) new Span<T>(c0, (int)nh).CopyTo(new Span<T>(st.CPrev + s.TimeAt(0) * nh, (int)nh));

            for (int step = 0; step < T_; step++)
            {
                int t = s.TimeAt(step);
                bool last = step == T_ - 1;
                var act = Active(lengths, t, active);
                T* hp = st.HPrev + t * np;
                T* hn = last ? hFinal : st.HPrev + s.TimeAt(step + 1) * np;
                T* pre = xwp + (long)t * N * G;
                T* gates = st.Gates + (long)t * N * W;
                switch (s.Mode)
                {
                    case RnnMode.Lstm:
                    {
                        Gemm.RunPacked(Threads, false, N, G, P, T.One, hp, P, whhp, T.One, pre, G);
                        T* cp = st.CPrev + t * nh;
                        T* cn = last ? cFinal : st.CPrev + s.TimeAt(step + 1) * nh;
                        T* m = s.HasProjection ? st.M + t * nh : hn;
                        T* tc = st.TanhC + t * nh;
                        Rows(N, G, lengths, active, (a, k, on) => LstmGates.Forward(k, H, new ReadOnlySpan<T>(pre + a * G, k * G),
                            new Span<T>(gates + a * W, k * W), new ReadOnlySpan<T>(cp + a * H, k * H), new Span<T>(cn + a * H, k * H),
                            new Span<T>(tc + a * H, k * H), new Span<T>(m + a * H, k * H), on));
                        if (s.HasProjection) Gemm.RunPacked(Threads, false, N, P, H, T.One, m, H, whrp, T.Zero, hn, P);
                        break;
                    }
                    case RnnMode.Gru:
                        Gemm.RunPacked(Threads, false, N, G, H, T.One, hp, H, whhp, T.Zero, hhp, G);
                        T* bh = bHh;
                        Rows(N, G, lengths, active, (a, k, on) => GruGates.Forward(k, H, new ReadOnlySpan<T>(pre + a * G, k * G),
                            new ReadOnlySpan<T>(hhp + a * G, k * G), bh == null ? default : new ReadOnlySpan<T>(bh, G),
                            new ReadOnlySpan<T>(hp + a * H, k * H), new Span<T>(gates + a * W, k * W), new Span<T>(hn + a * H, k * H), on));
                        break;
                    default:
                        Gemm.RunPacked(Threads, false, N, G, H, T.One, hp, H, whhp, T.One, pre, G);
                        bool relu = s.Relu;
                        Rows(N, G, lengths, active, (a, k, on) => RnnGates.Forward(k, H, new ReadOnlySpan<T>(pre + a * G, k * G),
                            new Span<T>(gates + a * W, k * W), new Span<T>(hn + a * H, k * H), relu, on));
                        break;
                }
                // Ended rows keep their state and output zeros; the others output their new h.
                for (int n = 0; n < N; n++)
                {
                    var outRow = new Span<T>(output + t * np + (long)n * P, P);
                    var hnRow = new Span<T>(hn + (long)n * P, P);
                    if (act.IsEmpty || act[n]) hnRow.CopyTo(outRow);
                    else { new ReadOnlySpan<T>(hp + (long)n * P, P).CopyTo(hnRow); outRow.Clear(); }
                }
            }
        }
    }

    /// <summary>Where backward writes each gradient; null pointers are gradients nobody needs.</summary>
    public readonly struct Grads(T* dx, T* dh0, T* dc0, T* dWIh, T* dWHh, T* dBIh, T* dBHh, T* dWHr)
    {
        public readonly T* Dx = dx, Dh0 = dh0, Dc0 = dc0, DWIh = dWIh, DWHh = dWHh, DBIh = dBIh, DBHh = dBHh, DWHr = dWHr;
    }

    public static void Backward(in RecurrentShape s, T* gPacked, T* x, T* wIh, T* wHh, T* wHr, int[]? lengths,
        in State st, in Grads g)
    {
        int T_ = s.T, N = s.N, H = s.H, P = s.P, G = s.Gates, W = s.Saved;
        long np = (long)N * P, nh = (long)N * H, tn = (long)T_ * N;
        T* gOut = gPacked, gH = gPacked + T_ * np, gC = gH + np;
        bool gru = s.Mode == RnnMode.Gru;

        using var dh = Scratch(np);
        using var dc = s.IsLstm ? Scratch(nh) : null;
        // dh' of every step (kept over the whole sequence only when W_hr needs it at the end).
        using var dTotal = Scratch(s.HasProjection ? tn * P : np);
        using var dm = s.HasProjection ? Scratch(nh) : null;
        using var dXw = Scratch(tn * G);
        using var dHh = gru ? Scratch(tn * G) : null;
        using var whh = PackedWeight(false, G, P, wHh);
        using var whr = s.HasProjection ? PackedWeight(false, P, H, wHr) : null;
        var active = new bool[N];
        T* whhp = Ptr(whh), whrp = Ptr(whr);
        T* dhp = Ptr(dh), dcp = Ptr(dc), dtp = Ptr(dTotal), dmp = Ptr(dm), dxwp = Ptr(dXw);
        T* dhhp = gru ? Ptr(dHh) : dxwp;
        new ReadOnlySpan<T>(gH, (int)np).CopyTo(new Span<T>(dhp, (int)np));
        if (dcp != null) new ReadOnlySpan<T>(gC, (int)nh).CopyTo(new Span<T>(dcp, (int)nh));
        {
            for (int step = T_ - 1; step >= 0; step--)
            {
                int t = s.TimeAt(step);
                var act = Active(lengths, t, active);
                T* tot = s.HasProjection ? dtp + t * np : dtp;
                // dh' = carried dh + the output's gradient, for rows inside their sequence.
                for (int n = 0; n < N; n++)
                {
                    var row = new Span<T>(tot + (long)n * P, P);
                    if (!act.IsEmpty && !act[n]) { row.Clear(); continue; }
                    System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<T>(dhp + (long)n * P, P),
                        new ReadOnlySpan<T>(gOut + t * np + (long)n * P, P), row);
                }
                T* gates = st.Gates + (long)t * N * W;
                T* dPre = dxwp + (long)t * N * G;
                switch (s.Mode)
                {
                    case RnnMode.Lstm:
                        T* dmt = tot;
                        if (s.HasProjection) { Gemm.RunPacked(Threads, false, N, H, P, T.One, tot, P, whrp, T.Zero, dmp, H); dmt = dmp; }
                        T* tc = st.TanhC + t * nh, cp = st.CPrev + t * nh;
                        Rows(N, G, lengths, active, (a, k, on) => LstmGates.Backward(k, H, new ReadOnlySpan<T>(gates + a * W, k * W),
                            new ReadOnlySpan<T>(tc + a * H, k * H), new ReadOnlySpan<T>(cp + a * H, k * H), new ReadOnlySpan<T>(dmt + a * H, k * H),
                            new Span<T>(dcp + a * H, k * H), new Span<T>(dPre + a * G, k * G), on));
                        ClearActive(dhp, N, P, act);
                        break;
                    case RnnMode.Gru:
                        T* hp = st.HPrev + t * np, dhh = dhhp + (long)t * N * G;
                        Rows(N, G, lengths, active, (a, k, on) => GruGates.Backward(k, H, new ReadOnlySpan<T>(gates + a * W, k * W),
                            new ReadOnlySpan<T>(hp + a * H, k * H), new ReadOnlySpan<T>(tot + a * H, k * H), new Span<T>(dPre + a * G, k * G),
                            new Span<T>(dhh + a * G, k * G), new Span<T>(dhp + a * H, k * H), on));
                        break;
                    default:
                        bool relu = s.Relu;
                        Rows(N, G, lengths, active, (a, k, on) => RnnGates.Backward(k, H, new ReadOnlySpan<T>(gates + a * W, k * W),
                            new ReadOnlySpan<T>(tot + a * H, k * H), new Span<T>(dPre + a * G, k * G), relu, on));
                        ClearActive(dhp, N, P, act);
                        break;
                }
                Gemm.RunPacked(Threads, false, N, P, G, T.One, dhhp + (long)t * N * G, G, whhp, T.One, dhp, P);
            }

            int rows = (int)tn;
            if (g.Dh0 != null) new ReadOnlySpan<T>(dhp, (int)np).CopyTo(new Span<T>(g.Dh0, (int)np));
            if (g.Dc0 != null) new ReadOnlySpan<T>(dcp, (int)nh).CopyTo(new Span<T>(g.Dc0, (int)nh));
            if (g.Dx != null) Gemm.Run(Threads, false, false, rows, s.I, G, T.One, dxwp, G, wIh, s.I, T.Zero, g.Dx, s.I);
            if (g.DWIh != null) Gemm.Run(Threads, true, false, G, s.I, rows, T.One, dxwp, G, x, s.I, T.Zero, g.DWIh, s.I);
            if (g.DWHh != null) Gemm.Run(Threads, true, false, G, P, rows, T.One, dhhp, G, st.HPrev, P, T.Zero, g.DWHh, P);
            if (g.DBIh != null) ColumnSums(dxwp, rows, G, g.DBIh);
            if (g.DBHh != null) ColumnSums(dhhp, rows, G, g.DBHh);
            if (g.DWHr != null) Gemm.Run(Threads, true, false, P, H, rows, T.One, dtp, P, st.M, H, T.Zero, g.DWHr, H);
        }
    }

    delegate void RowKernel(int first, int count, ReadOnlySpan<bool> active);

    /// <summary>
    /// Runs a gate kernel over the batch's rows, split into contiguous ranges across threads when the step
    /// is large enough; each range sees its slice of the active flags (empty: all rows active).
    /// </summary>
    static void Rows(int n, int gates, int[]? lengths, bool[] active, RowKernel kernel)
        => Parallelism.For(n, 8L * gates, (a, b) =>
            kernel((int)a, (int)(b - a), lengths is null ? default : active.AsSpan((int)a, (int)(b - a))));

    /// <summary>dh ← 0 for rows inside their sequence (all of dh then comes from the W_hh GEMM); ended rows keep it.</summary>
    static void ClearActive(T* dh, int n, int p, ReadOnlySpan<bool> act)
    {
        for (int r = 0; r < n; r++)
            if (act.IsEmpty || act[r]) new Span<T>(dh + (long)r * p, p).Clear();
    }

    static void ColumnSums(T* a, int rows, int cols, T* result)
    {
        var sum = new Span<T>(result, cols);
        sum.Clear();
        for (int r = 0; r < rows; r++)
            System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<T>(a + (long)r * cols, cols), sum);
    }
}
