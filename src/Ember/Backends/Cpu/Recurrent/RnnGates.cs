using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>One Elman RNN time step over a batch: h' = tanh(pre) or relu(pre), pre = x·W_ihᵀ + h·W_hhᵀ + biases.</summary>
internal static class RnnGates
{
    public static void Forward<T>(int n, int h, ReadOnlySpan<T> pre, Span<T> saved, Span<T> hNext, bool relu,
        ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < n; r++)
        {
            if (!active.IsEmpty && !active[r]) continue;
            var a = pre.Slice(r * h, h);
            var y = saved.Slice(r * h, h);
            if (relu) TensorPrimitives.Max(a, T.Zero, y);
            else TensorPrimitives.Tanh(a, y);
            y.CopyTo(hNext.Slice(r * h, h));
        }
    }

    /// <summary>The pre-activation gradient from dh' and the saved activation; zero for ended rows.</summary>
    public static void Backward<T>(int n, int h, ReadOnlySpan<T> saved, ReadOnlySpan<T> dhTotal, Span<T> dPre, bool relu,
        ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int r = 0; r < n; r++)
        {
            var da = dPre.Slice(r * h, h);
            if (!active.IsEmpty && !active[r]) { da.Clear(); continue; }
            var y = saved.Slice(r * h, h);
            var d = dhTotal.Slice(r * h, h);
            for (int j = 0; j < h; j++)
                da[j] = relu ? (y[j] > T.Zero ? d[j] : T.Zero) : d[j] * (T.One - y[j] * y[j]);
        }
    }
}
