using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// The per-row maps of the normalisation kernels, in one pass each. The mean is subtracted before
/// scaling (not folded into the offset), so a large 1/std does not amplify the rounding of
/// mean·scale in float. Vector&lt;T&gt; picks the widest enabled SIMD width at run time; the tail is
/// one overlapping vector ending at the row's end, computed before the loop and stored after it,
/// so in-place calls stay right.
/// </summary>
internal static class RowAffine
{
    /// <summary>out = (a − shift)·scale + offset.</summary>
    public static void Map<T>(ReadOnlySpan<T> a, T shift, T scale, T offset, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = output.Length, w = Vector<T>.Count, i = 0;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            Vector<T> vs = new(shift), vk = new(scale), vc = new(offset);
            var last = (new Vector<T>(a.Slice(n - w)) - vs) * vk + vc;
            for (; i <= n - w; i += w) ((new Vector<T>(a.Slice(i)) - vs) * vk + vc).CopyTo(output.Slice(i));
            last.CopyTo(output.Slice(n - w));
            return;
        }
        for (; i < n; i++) output[i] = (a[i] - shift) * scale + offset;
    }

    /// <summary>out = a·ka + (b − shift)·kb + offset.</summary>
    public static void Map<T>(ReadOnlySpan<T> a, T ka, ReadOnlySpan<T> b, T shift, T kb, T offset, Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = output.Length, w = Vector<T>.Count, i = 0;
        if (Vector.IsHardwareAccelerated && n >= w)
        {
            Vector<T> va = new(ka), vs = new(shift), vb = new(kb), vc = new(offset);
            var last = new Vector<T>(a.Slice(n - w)) * va + (new Vector<T>(b.Slice(n - w)) - vs) * vb + vc;
            for (; i <= n - w; i += w)
                (new Vector<T>(a.Slice(i)) * va + (new Vector<T>(b.Slice(i)) - vs) * vb + vc).CopyTo(output.Slice(i));
            last.CopyTo(output.Slice(n - w));
            return;
        }
        for (; i < n; i++) output[i] = a[i] * ka + (b[i] - shift) * kb + offset;
    }
}
