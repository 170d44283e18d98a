using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// im2col unrolls the receptive fields of one image's group of channels into a [(C/g)·kH·kW, OH·OW]
/// matrix, so the conv becomes one GEMM; col2im is its adjoint (scatter-add back onto the image),
/// which turns the GEMM's output into the input gradient. At stride 1 every output row is a contiguous
/// slice of an input row, so both run as block copies / vector adds with zeroed margins.
/// </summary>
internal static unsafe class Im2Col
{
    /// <summary>cols[(c·kH + i)·kW + j, oh·OW + ow] = x[c, oh·sH − pH + i·dH, ow·sW − pW + j·dW] (0 outside).</summary>
    public static void Unfold<T>(in ConvGeometry g, T* x, T* cols) where T : unmanaged, INumber<T>
    {
        int outW = g.OutW, inW = g.InW;
        for (int c = 0; c < g.InGroupChannels; c++)
        {
            T* plane = x + (long)c * g.InPlane;
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    T* dst = cols + ((long)(c * g.KH + i) * g.KW + j) * g.OutPlane;
                    int colOffset = j * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(colOffset, g.StrideW, inW, outW);
                    for (int oh = 0; oh < g.OutH; oh++, dst += outW)
                    {
                        int ih = oh * g.StrideH - g.PadH + i * g.DilH;
                        if ((uint)ih >= (uint)g.InH || lo >= hi)
                        {
                            new Span<T>(dst, outW).Clear();
                            continue;
                        }
                        T* src = plane + (long)ih * inW + colOffset;
                        if (lo > 0) new Span<T>(dst, lo).Clear();
                        if (g.StrideW == 1)
                            ConvRows.Copy(dst + lo, src + lo, hi - lo);
                        else
                            for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow * g.StrideW];
                        if (hi < outW) new Span<T>(dst + hi, outW - hi).Clear();
                    }
                }
        }
    }

    /// <summary>The adjoint of <see cref="Unfold"/>: x[c, ih, iw] = Σ cols over the fields covering it (x is overwritten).</summary>
    public static void Fold<T>(in ConvGeometry g, T* cols, T* x) where T : unmanaged, INumber<T>
    {
        int outW = g.OutW, inW = g.InW;
        new Span<T>(x, checked(g.InGroupChannels * g.InPlane)).Clear();
        for (int c = 0; c < g.InGroupChannels; c++)
        {
            T* plane = x + (long)c * g.InPlane;
            for (int i = 0; i < g.KH; i++)
                for (int j = 0; j < g.KW; j++)
                {
                    T* src = cols + ((long)(c * g.KH + i) * g.KW + j) * g.OutPlane;
                    int colOffset = j * g.DilW - g.PadW;
                    var (lo, hi) = ValidRange(colOffset, g.StrideW, inW, outW);
                    if (lo >= hi) continue;
                    for (int oh = 0; oh < g.OutH; oh++, src += outW)
                    {
                        int ih = oh * g.StrideH - g.PadH + i * g.DilH;
                        if ((uint)ih >= (uint)g.InH) continue;
                        T* dst = plane + (long)ih * inW + colOffset;
                        if (g.StrideW == 1)
                            ConvRows.Add(dst + lo, src + lo, hi - lo);
                        else
                            for (int ow = lo; ow < hi; ow++) dst[ow * g.StrideW] += src[ow];
                    }
                }
        }
    }

    /// <summary>The output columns [lo, hi) whose input column ow·stride + offset lies in [0, inW).</summary>
    public static (int Lo, int Hi) ValidRange(int offset, int stride, int inW, int outW)
    {
        int lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        int last = inW - 1 - offset; // ow·stride ≤ last
        int hi = last < 0 ? 0 : Math.Min(outW, last / stride + 1);
        return (Math.Min(lo, outW), hi);
    }
}
