namespace Ember.Onnx.Ops;

/// <summary>
/// Direct convolution loops for the ranks Ember's kernels do not cover (3-d volumes): a plain
/// correctness fallback, computed in double.
/// </summary>
internal static class DirectConv
{
    /// <summary>Conv over [N, C, spatial...] with weight [O, C/groups, kernel...], any number of spatial axes.</summary>
    public static Tensor Conv(Tensor x, Tensor w, Tensor? b, WindowGeometry g, int groups)
    {
        var xs = x.Shape; var ws = w.Shape;
        int n = xs[0], c = xs[1], o = ws[0], cg = ws[1], r = g.Rank;
        if (c != cg * groups || o % groups != 0)
            throw new ArgumentException($"Conv: input {Shapes.Format(xs)} and weight {Shapes.Format(ws)} do not fit {groups} group(s).");
        var inSp = xs[2..];
        var outSp = new int[r];
        for (int i = 0; i < r; i++)
            outSp[i] = (inSp[i] + g.PadBegin[i] + g.PadEnd[i] - ((g.Kernel[i] - 1) * g.Dilations[i] + 1)) / g.Strides[i] + 1;
        if (outSp.Any(v => v <= 0)) throw new ArgumentException($"Conv: input {Shapes.Format(xs)} is smaller than the kernel {Shapes.Format(g.Kernel)}.");
        var xv = OnnxTensors.ToDoubles(x); var wv = OnnxTensors.ToDoubles(w);
        var bv = b is null ? null : OnnxTensors.ToDoubles(b);
        long inPlane = Shapes.Count(inSp), outPlane = Shapes.Count(outSp), kPlane = Shapes.Count(g.Kernel);
        var inStrides = Host.Strides(inSp);
        var y = new double[n * o * outPlane];
        var op = new int[r]; var k = new int[r];
        int og = o / groups;
        for (long q = 0; q < outPlane; q++)
        {
            Unflatten(q, outSp, op);
            for (int kk = 0; kk < kPlane; kk++)
            {
                Unflatten(kk, g.Kernel, k);
                long at = 0; bool inside = true;
                for (int i = 0; i < r && inside; i++)
                {
                    int pos = op[i] * g.Strides[i] - g.PadBegin[i] + k[i] * g.Dilations[i];
                    inside = pos >= 0 && pos < inSp[i];
                    at += pos * inStrides[i];
                }
                if (!inside) continue;
                for (int bn = 0; bn < n; bn++)
                    for (int oc = 0; oc < o; oc++)
                    {
                        int grp = oc / og;
                        double acc = 0;
                        for (int ic = 0; ic < cg; ic++)
                            acc += xv[((long)bn * c + grp * cg + ic) * inPlane + at] * wv[((long)oc * cg + ic) * kPlane + kk];
                        y[((long)bn * o + oc) * outPlane + q] += acc;
                    }
            }
        }
        if (bv is not null)
            for (long i = 0; i < y.Length; i++) y[i] += bv[(i / outPlane) % o];
        return OnnxTensors.FromDoubles(y, [n, o, .. outSp], x.DType);
    }

    /// <summary>The full transposed convolution (no pads) of [N, C_in, spatial...] with weight [C_in, C_out/groups, kernel...].</summary>
    public static Tensor ConvTranspose(Tensor x, Tensor w, int[] strides, int[] dilations, int groups)
    {
        var xs = x.Shape; var ws = w.Shape;
        int n = xs[0], cin = xs[1], cog = ws[1], r = xs.Length - 2;
        if (ws[0] != cin || cin % groups != 0)
            throw new ArgumentException($"ConvTranspose: input {Shapes.Format(xs)} and weight {Shapes.Format(ws)} do not fit {groups} group(s).");
        int cout = cog * groups, cig = cin / groups;
        var inSp = xs[2..]; var kernel = ws[2..];
        var outSp = new int[r];
        for (int i = 0; i < r; i++) outSp[i] = (inSp[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1;
        var xv = OnnxTensors.ToDoubles(x); var wv = OnnxTensors.ToDoubles(w);
        long inPlane = Shapes.Count(inSp), outPlane = Shapes.Count(outSp), kPlane = Shapes.Count(kernel);
        var outStrides = Host.Strides(outSp);
        var y = new double[n * cout * outPlane];
        var ip = new int[r]; var k = new int[r];
        for (long q = 0; q < inPlane; q++)
        {
            Unflatten(q, inSp, ip);
            for (int kk = 0; kk < kPlane; kk++)
            {
                Unflatten(kk, kernel, k);
                long at = 0;
                for (int i = 0; i < r; i++) at += (ip[i] * strides[i] + k[i] * dilations[i]) * outStrides[i];
                for (int bn = 0; bn < n; bn++)
                    for (int ic = 0; ic < cin; ic++)
                    {
                        double v = xv[((long)bn * cin + ic) * inPlane + q];
                        if (v == 0) continue;
                        int grp = ic / cig;
                        for (int oc = 0; oc < cog; oc++)
                            y[((long)bn * cout + grp * cog + oc) * outPlane + at] += v * wv[((long)ic * cog + oc) * kPlane + kk];
                    }
            }
        }
        return OnnxTensors.FromDoubles(y, [n, cout, .. outSp], x.DType);
    }

    static void Unflatten(long flat, int[] shape, int[] index)
    {
        for (int i = shape.Length - 1; i >= 0; i--) { index[i] = (int)(flat % shape[i]); flat /= shape[i]; }
    }
}
