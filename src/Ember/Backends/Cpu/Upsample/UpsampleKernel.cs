using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Nearest and (bi)linear resampling of planes, forward and backward. Each output cell reads one input
/// cell (nearest) or four with weights l0h·l0w … l1h·l1w (bilinear); the backward scatters g to the same
/// cells with the same weights. Index tables are built once per call; one plane per task, so the
/// scatter needs no atomics.
/// </summary>
internal static unsafe class UpsampleKernel
{
    public static void Forward(Tensor x, Tensor y, UpsamplePlanes p)
    {
        var k = new Kernel { A = x, B = y, P = p, Backward = false };
        Dispatch.Float(x.DType, ref k, "Interpolate");
    }

    /// <summary>gx = the adjoint of Forward applied to g (gx is overwritten).</summary>
    public static void Backward(Tensor g, Tensor gx, UpsamplePlanes p)
    {
        var k = new Kernel { A = gx, B = g, P = p, Backward = true };
        Dispatch.Float(gx.DType, ref k, "InterpolateBackward");
    }

    /// <summary>A is the input-shaped tensor (x, or gx in backward), B the output-shaped one (y, or g).</summary>
    struct Kernel : IFloatKernel
    {
        public Tensor A, B; public UpsamplePlanes P; public bool Backward;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* a = (T*)A.DataPointer, b = (T*)B.DataPointer;
            var p = P; bool backward = Backward;
            if (p.Linear)
            {
                var hs = UpsampleAxis.Linear<T>(p.H, p.OH, p.ScaleH, p.AlignCorners);
                var ws = UpsampleAxis.Linear<T>(p.W, p.OW, p.ScaleW, p.AlignCorners);
                Parallelism.For(p.Planes, p.InPlane + 4 * p.OutPlane, (s, e) =>
                {
                    for (long plane = s; plane < e; plane++)
                    {
                        T* ap = a + plane * p.InPlane, bp = b + plane * p.OutPlane;
                        if (backward) LinearBackward(ap, bp, p, hs, ws);
                        else LinearForward(ap, bp, p, hs, ws);
                    }
                });
            }
            else
            {
                var hs = UpsampleAxis.Nearest(p.H, p.OH, p.ScaleH);
                var ws = UpsampleAxis.Nearest(p.W, p.OW, p.ScaleW);
                Parallelism.For(p.Planes, p.InPlane + p.OutPlane, (s, e) =>
                {
                    for (long plane = s; plane < e; plane++)
                    {
                        T* ap = a + plane * p.InPlane, bp = b + plane * p.OutPlane;
                        if (backward) new Span<T>(ap, checked((int)p.InPlane)).Clear();
                        for (int oh = 0; oh < p.OH; oh++)
                        {
                            T* row = ap + (long)hs[oh] * p.W, orow = bp + (long)oh * p.OW;
                            if (backward) for (int ow = 0; ow < p.OW; ow++) row[ws[ow]] += orow[ow];
                            else for (int ow = 0; ow < p.OW; ow++) orow[ow] = row[ws[ow]];
                        }
                    }
                });
            }
        }

        static void LinearForward<T>(T* x, T* y, UpsamplePlanes p, (int[] I0, int[] I1, T[] L0, T[] L1) hs, (int[] I0, int[] I1, T[] L0, T[] L1) ws)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int oh = 0; oh < p.OH; oh++)
            {
                T* r0 = x + (long)hs.I0[oh] * p.W, r1 = x + (long)hs.I1[oh] * p.W, orow = y + (long)oh * p.OW;
                T h0 = hs.L0[oh], h1 = hs.L1[oh];
                for (int ow = 0; ow < p.OW; ow++)
                {
                    int w0 = ws.I0[ow], w1 = ws.I1[ow];
                    T l0 = ws.L0[ow], l1 = ws.L1[ow];
                    orow[ow] = h0 * (l0 * r0[w0] + l1 * r0[w1]) + h1 * (l0 * r1[w0] + l1 * r1[w1]);
                }
            }
        }

        static void LinearBackward<T>(T* gx, T* g, UpsamplePlanes p, (int[] I0, int[] I1, T[] L0, T[] L1) hs, (int[] I0, int[] I1, T[] L0, T[] L1) ws)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            new Span<T>(gx, checked((int)p.InPlane)).Clear();
            for (int oh = 0; oh < p.OH; oh++)
            {
                T* r0 = gx + (long)hs.I0[oh] * p.W, r1 = gx + (long)hs.I1[oh] * p.W, grow = g + (long)oh * p.OW;
                T h0 = hs.L0[oh], h1 = hs.L1[oh];
                for (int ow = 0; ow < p.OW; ow++)
                {
                    int w0 = ws.I0[ow], w1 = ws.I1[ow];
                    T l0 = ws.L0[ow], l1 = ws.L1[ow], v = grow[ow];
                    r0[w0] += h0 * l0 * v; r0[w1] += h0 * l1 * v;
                    r1[w0] += h1 * l0 * v; r1[w1] += h1 * l1 * v;
                }
            }
        }
    }
}
