using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Average pooling over planes, fixed windows (AvgPool) or adaptive ones (AdaptiveAvgPool), forward
/// and backward. Fixed windows follow PyTorch: a window may reach into the padding (and, in ceil
/// mode, one stride past it); its divisor counts the padded cells when countIncludePad, else only
/// the cells inside the input. Backward spreads g / divisor over each window, one plane per task.
/// </summary>
internal static unsafe class AvgPoolKernel
{
    public static void Forward(Tensor x, Tensor y, PoolPlanes p, PoolWindow w, bool countIncludePad)
    {
        var k = new Kernel { A = x, B = y, P = p, W = w, CountPad = countIncludePad, Backward = false, IsAdaptive = false };
        Dispatch.Float(x.DType, ref k, "AvgPool2d");
    }

    /// <summary>gx = the adjoint of Forward applied to g (gx is overwritten).</summary>
    public static void Backward(Tensor g, Tensor gx, PoolPlanes p, PoolWindow w, bool countIncludePad)
    {
        var k = new Kernel { A = gx, B = g, P = p, W = w, CountPad = countIncludePad, Backward = true, IsAdaptive = false };
        Dispatch.Float(gx.DType, ref k, "AvgPool2dBackward");
    }

    public static void AdaptiveForward(Tensor x, Tensor y, PoolPlanes p)
    {
        var k = new Kernel { A = x, B = y, P = p, Backward = false, IsAdaptive = true };
        Dispatch.Float(x.DType, ref k, "AdaptiveAvgPool2d");
    }

    public static void AdaptiveBackward(Tensor g, Tensor gx, PoolPlanes p)
    {
        var k = new Kernel { A = gx, B = g, P = p, Backward = true, IsAdaptive = true };
        Dispatch.Float(gx.DType, ref k, "AdaptiveAvgPool2dBackward");
    }

    /// <summary>A is the input-shaped tensor (x, or gx in backward), B the output-shaped one (y, or g).</summary>
    struct Kernel : IFloatKernel
    {
        public Tensor A, B; public PoolPlanes P; public PoolWindow W; public bool CountPad, Backward, IsAdaptive;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* a = (T*)A.DataPointer, b = (T*)B.DataPointer;
            var p = P; var w = W; bool countPad = CountPad, backward = Backward, adaptive = IsAdaptive;
            long cost = adaptive ? 2 * p.InPlane + p.OutPlane : p.InPlane + p.OutPlane * w.KH * w.KW;
            Parallelism.For(p.Planes, cost, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                {
                    T* ap = a + plane * p.InPlane, bp = b + plane * p.OutPlane;
                    if (backward) new Span<T>(ap, checked((int)p.InPlane)).Clear();
                    for (int oh = 0; oh < p.OH; oh++)
                        for (int ow = 0; ow < p.OW; ow++)
                        {
                            int h0, h1, w0, w1, divisor;
                            if (adaptive)
                            {
                                h0 = AdaptiveWindow.Start(oh, p.H, p.OH); h1 = AdaptiveWindow.End(oh, p.H, p.OH);
                                w0 = AdaptiveWindow.Start(ow, p.W, p.OW); w1 = AdaptiveWindow.End(ow, p.W, p.OW);
                                divisor = (h1 - h0) * (w1 - w0);
                            }
                            else
                            {
                                h0 = oh * w.SH - w.PH; w0 = ow * w.SW - w.PW;
                                h1 = Math.Min(h0 + w.KH, p.H + w.PH); w1 = Math.Min(w0 + w.KW, p.W + w.PW);
                                int padded = (h1 - h0) * (w1 - w0);
                                h0 = Math.Max(h0, 0); w0 = Math.Max(w0, 0);
                                h1 = Math.Min(h1, p.H); w1 = Math.Min(w1, p.W);
                                divisor = countPad ? padded : (h1 - h0) * (w1 - w0);
                            }
                            int o = oh * p.OW + ow;
                            if (h0 >= h1 || w0 >= w1) { if (!backward) bp[o] = T.Zero; continue; }
                            if (backward) SpreadWindow(ap, p.W, h0, h1, w0, w1, bp[o] / T.CreateTruncating(divisor));
                            else bp[o] = SumWindow(ap, p.W, h0, h1, w0, w1) / T.CreateTruncating(divisor);
                        }
                }
            });
        }
    }

    static T SumWindow<T>(T* x, int W, int h0, int h1, int w0, int w1) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int h = h0; h < h1; h++)
        {
            T* row = x + (long)h * W;
            for (int c = w0; c < w1; c++) sum += row[c];
        }
        return sum;
    }

    static void SpreadWindow<T>(T* gx, int W, int h0, int h1, int w0, int w1, T share) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int h = h0; h < h1; h++)
        {
            T* row = gx + (long)h * W;
            for (int c = w0; c < w1; c++) row[c] += share;
        }
    }
}
