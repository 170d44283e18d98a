using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// One GRU time step over a batch (gate order r, z, n, as PyTorch):
/// r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h,
/// where x_* come from the input projection (with b_ih) and h_* = h·W_hhᵀ + b_hh. The saved block per
/// row is [r, z, n, h_n]. Ended rows are left to the caller (it keeps their state).
/// </summary>
internal static class GruGates
{
    public static void Forward<T>(int n, int h, ReadOnlySpan<T> xw, ReadOnlySpan<T> hh, ReadOnlySpan<T> bhh,
        ReadOnlySpan<T> hPrev, Span<T> gates, Span<T> hNext, ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g3 = 3 * h, g4 = 4 * h;
        for (int r = 0; r < n; r++)
        {
            if (!active.IsEmpty && !active[r]) continue;
            var x = xw.Slice(r * g3, g3);
            var hr = hh.Slice(r * g3, g3);
            var g = gates.Slice(r * g4, g4);
            var hp = hPrev.Slice(r * h, h);
            var hn = hNext.Slice(r * h, h);
            // [r, z] pre-activations, then h_n with its bias, then n.
            TensorPrimitives.Add(x[..(2 * h)], hr[..(2 * h)], g[..(2 * h)]);
            if (!bhh.IsEmpty) TensorPrimitives.Add(g[..(2 * h)], bhh[..(2 * h)], g[..(2 * h)]);
            TensorPrimitives.Sigmoid(g[..(2 * h)], g[..(2 * h)]);
            var hnGate = g.Slice(3 * h, h);
            if (bhh.IsEmpty) hr.Slice(2 * h, h).CopyTo(hnGate);
            else TensorPrimitives.Add(hr.Slice(2 * h, h), bhh.Slice(2 * h, h), hnGate);
            var ng = g.Slice(2 * h, h);
            TensorPrimitives.FusedMultiplyAdd(g[..h], hnGate, x.Slice(2 * h, h), ng);
            TensorPrimitives.Tanh(ng, ng);
            var z = g.Slice(h, h);
            for (int j = 0; j < h; j++) hn[j] = ng[j] + z[j] * (hp[j] - ng[j]);
        }
    }

    /// <summary>
    /// From dh' (<paramref name="dhTotal"/>): the input-side gate gradients [dr, dz, dn] and the hidden-side
    /// ones [dr, dz, r·dn] (they differ only in n), and dh ← z·dh', the direct path to the previous state
    /// (the GEMM with W_hh adds the rest). Ended rows get zeros and keep dh.
    /// </summary>
    public static void Backward<T>(int n, int h, ReadOnlySpan<T> gates, ReadOnlySpan<T> hPrev, ReadOnlySpan<T> dhTotal,
        Span<T> dXw, Span<T> dHh, Span<T> dh, ReadOnlySpan<bool> active) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int g3 = 3 * h, g4 = 4 * h;
        for (int r = 0; r < n; r++)
        {
            var dx = dXw.Slice(r * g3, g3);
            var dhh = dHh.Slice(r * g3, g3);
            if (!active.IsEmpty && !active[r]) { dx.Clear(); dhh.Clear(); continue; }
            var g = gates.Slice(r * g4, g4);
            var hp = hPrev.Slice(r * h, h);
            var dt = dhTotal.Slice(r * h, h);
            var dhr = dh.Slice(r * h, h);
            for (int j = 0; j < h; j++)
            {
                T rg = g[j], z = g[h + j], ng = g[2 * h + j], hn = g[3 * h + j], d = dt[j];
                T dan = d * (T.One - z) * (T.One - ng * ng);
                T dar = dan * hn * rg * (T.One - rg);
                T daz = d * (hp[j] - ng) * z * (T.One - z);
                dx[j] = dar; dx[h + j] = daz; dx[2 * h + j] = dan;
                dhh[j] = dar; dhh[h + j] = daz; dhh[2 * h + j] = dan * rg;
                dhr[j] = d * z;
            }
        }
    }
}
