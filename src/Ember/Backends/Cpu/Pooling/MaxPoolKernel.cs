using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Max pooling over planes, fixed windows (MaxPool) or adaptive ones (AdaptiveMaxPool), with the
/// flat index h·W + w of each maximum inside its plane (PyTorch's indices). The first maximum wins
/// ties; a NaN in the window becomes the result (the last NaN's index), as in PyTorch. Backward
/// scatters each output gradient to its index, one plane per task, so no two threads share a plane.
/// </summary>
internal static unsafe class MaxPoolKernel
{
    /// <summary>y = max over each window; indices (Int64, shaped like y) when not null.</summary>
    public static void Forward(Tensor x, Tensor y, Tensor? indices, PoolPlanes p, PoolWindow w)
    {
        var k = new Fixed { X = x, Y = y, Indices = indices, P = p, W = w };
        Dispatch.Float(x.DType, ref k, "MaxPool2d");
    }

    /// <summary>Adaptive windows: output cell (oh, ow) covers the AdaptiveWindow ranges of H and W.</summary>
    public static void AdaptiveForward(Tensor x, Tensor y, Tensor? indices, PoolPlanes p)
    {
        var k = new Adaptive { X = x, Y = y, Indices = indices, P = p };
        Dispatch.Float(x.DType, ref k, "AdaptiveMaxPool2d");
    }

    /// <summary>gx (zero-filled here) += g at each saved index.</summary>
    public static void Backward(Tensor g, Tensor indices, Tensor gx, PoolPlanes p)
    {
        var k = new Scatter { G = g, Indices = indices, GX = gx, P = p };
        Dispatch.Float(gx.DType, ref k, "MaxPool2dBackward");
    }

    struct Fixed : IFloatKernel
    {
        public Tensor X, Y; public Tensor? Indices; public PoolPlanes P; public PoolWindow W;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* x = (T*)X.DataPointer, y = (T*)Y.DataPointer;
            long* ix = Indices is null ? null : (long*)Indices.DataPointer;
            var p = P; var w = W;
            Parallelism.For(p.Planes, p.InPlane + p.OutPlane * w.KH * w.KW, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                    FixedPlane(x + plane * p.InPlane, y + plane * p.OutPlane, ix is null ? null : ix + plane * p.OutPlane, p, w);
            });
        }
    }

    static void FixedPlane<T>(T* x, T* y, long* ix, PoolPlanes p, PoolWindow w) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int H = p.H, W = p.W;
        for (int oh = 0; oh < p.OH; oh++)
        {
            int h0 = oh * w.SH - w.PH, h1 = Math.Min(h0 + (w.KH - 1) * w.DH + 1, H);
            while (h0 < 0) h0 += w.DH;
            for (int ow = 0; ow < p.OW; ow++)
            {
                int w0 = ow * w.SW - w.PW, w1 = Math.Min(w0 + (w.KW - 1) * w.DW + 1, W);
                while (w0 < 0) w0 += w.DW;
                int o = oh * p.OW + ow;
                if (ix == null) { y[o] = WindowMax(x, W, h0, h1, w0, w1, w.DH, w.DW); continue; }
                T max = T.NegativeInfinity;
                int at = h0 * W + w0;
                for (int h = h0; h < h1; h += w.DH)
                {
                    T* row = x + (long)h * W;
                    for (int c = w0; c < w1; c += w.DW)
                    {
                        T v = row[c];
                        if (v > max || T.IsNaN(v)) { max = v; at = h * W + c; }
                    }
                }
                y[o] = max;
                ix[o] = at;
            }
        }
    }

    /// <summary>
    /// The maximum alone (no index is wanted, e.g. in inference), without branches: on real data "is
    /// this the new maximum" is a coin flip. T.Max propagates NaN; it may return +0 for a window
    /// whose first maximum is −0, where the indexed path keeps −0 like PyTorch.
    /// </summary>
    static T WindowMax<T>(T* x, int W, int h0, int h1, int w0, int w1, int dh, int dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = T.NegativeInfinity;
        for (int h = h0; h < h1; h += dh)
        {
            T* row = x + (long)h * W;
            for (int c = w0; c < w1; c += dw) max = T.Max(max, row[c]);
        }
        return max;
    }

    struct Adaptive : IFloatKernel
    {
        public Tensor X, Y; public Tensor? Indices; public PoolPlanes P;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* x = (T*)X.DataPointer, y = (T*)Y.DataPointer;
            long* ix = Indices is null ? null : (long*)Indices.DataPointer;
            var p = P;
            Parallelism.For(p.Planes, 2 * p.InPlane + p.OutPlane, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                {
                    T* xp = x + plane * p.InPlane, yp = y + plane * p.OutPlane;
                    long* ip = ix is null ? null : ix + plane * p.OutPlane;
                    for (int oh = 0; oh < p.OH; oh++)
                    {
                        int h0 = AdaptiveWindow.Start(oh, p.H, p.OH), h1 = AdaptiveWindow.End(oh, p.H, p.OH);
                        for (int ow = 0; ow < p.OW; ow++)
                        {
                            int w0 = AdaptiveWindow.Start(ow, p.W, p.OW), w1 = AdaptiveWindow.End(ow, p.W, p.OW);
                            T max = T.NegativeInfinity;
                            int at = h0 * p.W + w0;
                            for (int h = h0; h < h1; h++)
                                for (int c = w0; c < w1; c++)
                                {
                                    T v = xp[(long)h * p.W + c];
                                    if (v > max || T.IsNaN(v)) { max = v; at = h * p.W + c; }
                                }
                            yp[oh * p.OW + ow] = max;
                            if (ip != null) ip[oh * p.OW + ow] = at;
                        }
                    }
                }
            });
        }
    }

    struct Scatter : IFloatKernel
    {
        public Tensor G, Indices, GX; public PoolPlanes P;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* g = (T*)G.DataPointer, gx = (T*)GX.DataPointer;
            long* ix = (long*)Indices.DataPointer;
            var p = P;
            Parallelism.For(p.Planes, p.InPlane + 2 * p.OutPlane, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                {
                    T* gp = g + plane * p.OutPlane, gxp = gx + plane * p.InPlane;
                    new Span<T>(gxp, checked((int)p.InPlane)).Clear();
                    long* ip = ix + plane * p.OutPlane;
                    for (long o = 0; o < p.OutPlane; o++) gxp[ip[o]] += gp[o];
                }
            });
        }
    }
}
