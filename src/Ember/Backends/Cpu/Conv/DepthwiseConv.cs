using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Direct kernels for convs whose groups see one input channel each (depthwise, or a single-channel
/// input): output channel o reads input channel o / (O/groups). Each of them is a handful of scaled
/// row additions (stride 1: vector AXPYs over contiguous rows), where im2col + GEMM would spend its
/// time packing a matrix with only kH·kW rows.
/// </summary>
internal static unsafe class DepthwiseConv
{
    /// <summary>y = conv(x, w) + b, threaded over (image, output channel) planes.</summary>
    public static void Forward<T>(ConvGeometry g, T* x, T* w, T* b, T* y) where T : unmanaged, INumber<T>
    {
        int mult = g.OutGroupChannels, taps = g.KH * g.KW;
        Parallelism.For((long)g.Batch * g.OutChannels, (long)g.OutPlane * taps, (start, end) =>
        {
            for (long p = start; p < end; p++)
            {
                int n = (int)(p / g.OutChannels), o = (int)(p % g.OutChannels);
                T* yp = y + p * g.OutPlane;
                T* xp = x + ((long)n * g.InChannels + o / mult) * g.InPlane;
                new Span<T>(yp, g.OutPlane).Fill(b != null ? b[o] : T.Zero);
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                        Accumulate(g, i, j, w[(long)o * taps + i * g.KW + j], xp, yp);
            }
        });
    }

    /// <summary>gx = convᵀ(gy, w), threaded over (image, input channel) planes; each gathers its own output channels.</summary>
    public static void BackwardInput<T>(ConvGeometry g, T* gy, T* w, T* gx) where T : unmanaged, INumber<T>
    {
        int mult = g.OutGroupChannels, taps = g.KH * g.KW;
        Parallelism.For((long)g.Batch * g.InChannels, (long)g.OutPlane * taps * mult, (start, end) =>
        {
            for (long p = start; p < end; p++)
            {
                int n = (int)(p / g.InChannels), c = (int)(p % g.InChannels);
                T* gxp = gx + p * g.InPlane;
                new Span<T>(gxp, g.InPlane).Clear();
                for (int m = 0; m < mult; m++)
                {
                    int o = c * mult + m;
                    T* gyp = gy + ((long)n * g.OutChannels + o) * g.OutPlane;
                    for (int i = 0; i < g.KH; i++)
                        for (int j = 0; j < g.KW; j++)
                            Scatter(g, i, j, w[(long)o * taps + i * g.KW + j], gyp, gxp);
                }
            }
        });
    }

    /// <summary>gw[o, 0, i, j] = Σ_n Σ_positions gy[n, o]·x[n, c] at tap (i, j), threaded over output channels.</summary>
    public static void BackwardWeight<T>(ConvGeometry g, T* x, T* gy, T* gw) where T : unmanaged, INumber<T>
    {
        int mult = g.OutGroupChannels, taps = g.KH * g.KW;
        Parallelism.For(g.OutChannels, (long)g.Batch * g.OutPlane * taps, (start, end) =>
        {
            for (long o = start; o < end; o++)
                for (int i = 0; i < g.KH; i++)
                    for (int j = 0; j < g.KW; j++)
                    {
                        T s = T.Zero;
                        for (int n = 0; n < g.Batch; n++)
                            s += Correlate(g, i, j,
                                x + ((long)n * g.InChannels + o / mult) * g.InPlane,
                                gy + ((long)n * g.OutChannels + o) * g.OutPlane);
                        gw[o * taps + i * g.KW + j] = s;
                    }
        });
    }

    /// <summary>y[oh, ow] += wv · x[oh·sH − pH + i·dH, ow·sW − pW + j·dW] over the valid positions.</summary>
    static void Accumulate<T>(in ConvGeometry g, int i, int j, T wv, T* x, T* y) where T : unmanaged, INumber<T>
        => Tap(g, i, j, wv, x, y, adjoint: false);

    /// <summary>The adjoint of <see cref="Accumulate"/>: gx at tap (i, j) += wv · gy.</summary>
    static void Scatter<T>(in ConvGeometry g, int i, int j, T wv, T* gy, T* gx) where T : unmanaged, INumber<T>
        => Tap(g, i, j, wv, gx, gy, adjoint: true);

    /// <summary>One filter tap over the valid output positions: out += wv·in, or in += wv·out for the adjoint.</summary>
    static void Tap<T>(in ConvGeometry g, int i, int j, T wv, T* input, T* output, bool adjoint) where T : unmanaged, INumber<T>
    {
        int colOffset = j * g.DilW - g.PadW;
        var (lo, hi) = Im2Col.ValidRange(colOffset, g.StrideW, g.InW, g.OutW);
        if (lo >= hi) return;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int ih = oh * g.StrideH - g.PadH + i * g.DilH;
            if ((uint)ih >= (uint)g.InH) continue;
            T* inRow = input + (long)ih * g.InW + colOffset;
            T* outRow = output + (long)oh * g.OutW;
            if (g.StrideW == 1)
            {
                if (adjoint) ConvRows.Axpy(inRow + lo, wv, outRow + lo, hi - lo);
                else ConvRows.Axpy(outRow + lo, wv, inRow + lo, hi - lo);
            }
            else if (adjoint)
                for (int ow = lo; ow < hi; ow++) inRow[ow * g.StrideW] += wv * outRow[ow];
            else
                for (int ow = lo; ow < hi; ow++) outRow[ow] += wv * inRow[ow * g.StrideW];
        }
    }

    /// <summary>Σ over valid positions of gy[oh, ow] · x at tap (i, j).</summary>
    static T Correlate<T>(in ConvGeometry g, int i, int j, T* x, T* gy) where T : unmanaged, INumber<T>
    {
        int colOffset = j * g.DilW - g.PadW;
        var (lo, hi) = Im2Col.ValidRange(colOffset, g.StrideW, g.InW, g.OutW);
        T s = T.Zero;
        if (lo >= hi) return s;
        for (int oh = 0; oh < g.OutH; oh++)
        {
            int ih = oh * g.StrideH - g.PadH + i * g.DilH;
            if ((uint)ih >= (uint)g.InH) continue;
            T* src = x + (long)ih * g.InW + colOffset;
            T* row = gy + (long)oh * g.OutW;
            if (g.StrideW == 1)
                s += ConvRows.Dot(src + lo, row + lo, hi - lo);
            else
                for (int ow = lo; ow < hi; ow++) s += row[ow] * src[ow * g.StrideW];
        }
        return s;
    }
}
