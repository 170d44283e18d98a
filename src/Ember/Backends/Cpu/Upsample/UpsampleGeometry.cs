using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// A resampled tensor seen as planes: [Planes, H, W] in, [Planes, OH, OW] out, both contiguous.
/// ScaleH and ScaleW are the user's scale factors when PyTorch passes them to its kernels (they then
/// set the sampling step, 1/scale, instead of in/out); Linear selects (bi)linear over nearest.
/// </summary>
internal readonly record struct UpsamplePlanes(long Planes, int H, int W, int OH, int OW, double? ScaleH, double? ScaleW, bool Linear, bool AlignCorners)
{
    public long InPlane => (long)H * W;
    public long OutPlane => (long)OH * OW;
}

/// <summary>PyTorch's source-index rules (aten/src/ATen/native/UpSample.h), one output axis at a time.</summary>
internal static class UpsampleAxis
{
    /// <summary>
    /// Nearest: ⌊o·step⌋ clamped to the input, with step computed in float whatever the dtype, as
    /// libtorch does; equal sizes copy and doubled sizes halve the index, exactly.
    /// </summary>
    public static int[] Nearest(int input, int output, double? scale)
    {
        var src = new int[output];
        for (int o = 0; o < output; o++)
        {
            if (output == input) src[o] = o;
            else if (output == 2 * input) src[o] = o >> 1;
            else
            {
                float step = scale is > 0 ? (float)(1.0 / scale.Value) : (float)input / output;
                src[o] = (int)Math.Min((long)MathF.Floor(o * step), input - 1);
            }
        }
        return src;
    }

    /// <summary>
    /// Linear: output o reads i0 and i1 = i0 + 1 (or i0 at the last cell) with weights l0 = 1 − l1 and l1,
    /// computed in <typeparamref name="T"/>. align_corners maps the corner cells onto each other
    /// (step (in − 1)/(out − 1)); otherwise cell centres map, o → (o + ½)·step − ½, clamped at 0.
    /// </summary>
    public static (int[] I0, int[] I1, T[] L0, T[] L1) Linear<T>(int input, int output, double? scale, bool alignCorners)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i0 = new int[output]; var i1 = new int[output]; var l0 = new T[output]; var l1 = new T[output];
        T step = alignCorners
            ? output > 1 ? T.CreateTruncating(input - 1) / T.CreateTruncating(output - 1) : T.Zero
            : scale is > 0 ? T.CreateTruncating(1.0 / scale.Value) : T.CreateTruncating(input) / T.CreateTruncating(output);
        T half = T.CreateTruncating(0.5);
        for (int o = 0; o < output; o++)
        {
            if (output == input) { i0[o] = i1[o] = o; l0[o] = T.One; l1[o] = T.Zero; continue; }
            T real = alignCorners ? step * T.CreateTruncating(o) : step * (T.CreateTruncating(o) + half) - half;
            if (!alignCorners && real < T.Zero) real = T.Zero;
            int lo = int.CreateTruncating(real);
            i0[o] = lo;
            i1[o] = lo + (lo < input - 1 ? 1 : 0);
            l1[o] = T.Min(T.Max(real - T.CreateTruncating(lo), T.Zero), T.One);
            l0[o] = T.One - l1[o];
        }
        return (i0, i1, l0, l1);
    }
}
