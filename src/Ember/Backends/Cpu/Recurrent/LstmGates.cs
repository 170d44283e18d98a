using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// One LSTM time step over a batch, after the GEMMs: the pre-activations [N, 4H] (gate order i, f, g, o)
/// become activations, the cell state and m = o·tanh(c) in one pass per row. Rows whose sequence has
/// ended (<c>active[n]</c> false) keep their cell state and produce m = 0.
/// </summary>
internal static class LstmGates
{
    public static void Forward<T>(int n, int h, ReadOnlySpan<T> pre, Span<T> gates, ReadOnlySpan<T> cPrev, Span<T> cNext,
        Span<T> tanhC, Span<T> m, ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g4 = 4 * h;
        for (int r = 0; r < n; r++)
        {
            var cp = cPrev.Slice(r * h, h);
            var cn = cNext.Slice(r * h, h);
            var mr = m.Slice(r * h, h);
            if (!active.IsEmpty && !active[r]) { cp.CopyTo(cn); mr.Clear(); continue; }
            var a = pre.Slice(r * g4, g4);
            var g = gates.Slice(r * g4, g4);
            TensorPrimitives.Sigmoid(a[..(2 * h)], g[..(2 * h)]);
            TensorPrimitives.Tanh(a.Slice(2 * h, h), g.Slice(2 * h, h));
            TensorPrimitives.Sigmoid(a.Slice(3 * h, h), g.Slice(3 * h, h));
            var i = g[..h]; var f = g.Slice(h, h); var gg = g.Slice(2 * h, h); var o = g.Slice(3 * h, h);
            TensorPrimitives.Multiply(f, cp, cn);
            TensorPrimitives.FusedMultiplyAdd(i, gg, cn, cn);
            var tc = tanhC.Slice(r * h, h);
            TensorPrimitives.Tanh(cn, tc);
            TensorPrimitives.Multiply(o, tc, mr);
        }
    }

    /// <summary>
    /// Gate gradients from dm (the gradient of o·tanh(c)) and the carried dc; dc becomes the gradient of
    /// the previous cell state. Ended rows get zero gate gradients and pass dc through.
    /// </summary>
    public static void Backward<T>(int n, int h, ReadOnlySpan<T> gates, ReadOnlySpan<T> tanhC, ReadOnlySpan<T> cPrev,
        ReadOnlySpan<T> dm, Span<T> dc, Span<T> dPre, ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g4 = 4 * h;
        for (int r = 0; r < n; r++)
        {
            var da = dPre.Slice(r * g4, g4);
            if (!active.IsEmpty && !active[r]) { da.Clear(); continue; }
            var g = gates.Slice(r * g4, g4);
            var tc = tanhC.Slice(r * h, h);
            var cp = cPrev.Slice(r * h, h);
            var dmr = dm.Slice(r * h, h);
            var dcr = dc.Slice(r * h, h);
            for (int j = 0; j < h; j++)
            {
                T i = g[j], f = g[h + j], gg = g[2 * h + j], o = g[3 * h + j], t = tc[j];
                T dcj = dcr[j] + dmr[j] * o * (T.One - t * t);
                da[j] = dcj * gg * i * (T.One - i);
                da[h + j] = dcj * cp[j] * f * (T.One - f);
                da[2 * h + j] = dcj * i * (T.One - gg * gg);
                da[3 * h + j] = dmr[j] * t * o * (T.One - o);
                dcr[j] = dcj * f;
            }
        }
    }
}
