using Xunit;

namespace Ember.Tests;

/// <summary>
/// The conv kernels (im2col + GEMM, 1×1, depthwise, col2im) against a naive six-loop reference, over
/// output widths 1…3·(widest vector)+1 so every row length meets each vector width and a tail, and
/// over batch sizes that split unevenly across threads. Forward, input, weight and bias gradients.
/// </summary>
public class ConvKernelTests
{
    public sealed record Shape(int N, int C, int H, int W, int O, int KH, int KW, int S, int P, int D, int G)
    {
        public int OH => (H + 2 * P - D * (KH - 1) - 1) / S + 1;
        public int OW => (W + 2 * P - D * (KW - 1) - 1) / S + 1;
        public override string ToString() => $"x[{N},{C},{H},{W}] w[{O},{C / G},{KH},{KW}] s{S} p{P} d{D} g{G}";
    }

    static IEnumerable<Shape> Shapes()
    {
        // Row lengths across every vector width and tail (stride 1 runs rows as vector copies/AXPYs).
        foreach (int w in new[] { 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 49 })
        {
            yield return new(2, 3, 3, w + 2, 4, 3, 3, 1, 0, 1, 1);      // im2col + GEMM
            yield return new(1, 4, 2, w, 4, 3, 3, 1, 1, 1, 4);          // depthwise, padded
        }
        yield return new(5, 7, 6, 6, 9, 1, 1, 1, 0, 1, 1);               // 1×1, batch splits unevenly
        yield return new(7, 1, 12, 11, 8, 3, 3, 1, 0, 1, 1);             // single input channel
        yield return new(3, 6, 9, 10, 6, 3, 3, 2, 1, 1, 3);              // grouped, strided
        yield return new(4, 3, 10, 9, 5, 3, 2, 3, 2, 2, 1);              // stride 3, dilation 2
        yield return new(2, 8, 5, 5, 16, 3, 3, 1, 1, 2, 8);              // depthwise ×2, dilated
        yield return new(9, 16, 8, 8, 24, 3, 3, 1, 1, 1, 1);             // enough work to thread over the batch
    }

    public static TheoryData<Shape, DType> Cases
    {
        get
        {
            var data = new TheoryData<Shape, DType>();
            foreach (var s in Shapes()) { data.Add(s, DType.Float64); data.Add(s, DType.Float32); }
            return data;
        }
    }

    static double[] Random(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();

    static Tensor Make(double[] v, int[] shape, DType dtype)
        => dtype == DType.Float64 ? Tensor.FromArray(v, shape) : Tensor.FromArray(v.Select(x => (float)x).ToArray(), shape);

    static double[] Values(Tensor t) => t.DType == DType.Float64 ? t.ToArray<double>() : t.ToArray<float>().Select(v => (double)v).ToArray();

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesNaiveReference(Shape s, DType dtype)
    {
        var rng = new Random(s.GetHashCode());
        int cg = s.C / s.G, og = s.O / s.G;
        double[] x = Random(rng, s.N * s.C * s.H * s.W), w = Random(rng, s.O * cg * s.KH * s.KW), b = Random(rng, s.O);
        double[] gy = Random(rng, s.N * s.O * s.OH * s.OW);
        double[] y = new double[gy.Length], gx = new double[x.Length], gw = new double[w.Length], gb = new double[s.O];

        for (int n = 0; n < s.N; n++)
            for (int o = 0; o < s.O; o++)
                for (int oh = 0; oh < s.OH; oh++)
                    for (int ow = 0; ow < s.OW; ow++)
                    {
                        int yi = ((n * s.O + o) * s.OH + oh) * s.OW + ow;
                        double acc = b[o];
                        gb[o] += gy[yi];
                        for (int c = 0; c < cg; c++)
                            for (int i = 0; i < s.KH; i++)
                                for (int j = 0; j < s.KW; j++)
                                {
                                    int ih = oh * s.S - s.P + i * s.D, iw = ow * s.S - s.P + j * s.D;
                                    if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                                    int xi = ((n * s.C + o / og * cg + c) * s.H + ih) * s.W + iw;
                                    int wi = ((o * cg + c) * s.KH + i) * s.KW + j;
                                    acc += w[wi] * x[xi];
                                    gx[xi] += w[wi] * gy[yi];
                                    gw[wi] += x[xi] * gy[yi];
                                }
                        y[yi] = acc;
                    }

        using var tx = Make(x, [s.N, s.C, s.H, s.W], dtype);
        using var tw = Make(w, [s.O, cg, s.KH, s.KW], dtype);
        using var tb = Make(b, [s.O], dtype);
        using var tgy = Make(gy, [s.N, s.O, s.OH, s.OW], dtype);
        tx.RequiresGrad = tw.RequiresGrad = tb.RequiresGrad = true;
        using var ty = Tensor.Conv2d(tx, tw, tb, [s.S], [s.P], [s.D], s.G);
        var grads = Autograd.Grad([ty], [tx, tw, tb], [tgy]);

        double tol = dtype == DType.Float64 ? 1e-12 : 1e-4;
        Close(y, Values(ty), tol, "output");
        Close(gx, Values(grads[0]!), tol, "input gradient");
        Close(gw, Values(grads[1]!), tol, "weight gradient");
        Close(gb, Values(grads[2]!), tol, "bias gradient");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TransposedIsTheAdjointOfTheConv(Shape s, DType dtype)
    {
        // <conv(x), v> = <x, convᵀ(v)> for the same weight; outputPadding (always < stride) restores x's size.
        var rng = new Random(s.GetHashCode() ^ 0x5eed);
        int cg = s.C / s.G;
        int extraH = (s.H + 2 * s.P - s.D * (s.KH - 1) - 1) % s.S, extraW = (s.W + 2 * s.P - s.D * (s.KW - 1) - 1) % s.S;
        using var x = Make(Random(rng, s.N * s.C * s.H * s.W), [s.N, s.C, s.H, s.W], dtype);
        using var w = Make(Random(rng, s.O * cg * s.KH * s.KW), [s.O, cg, s.KH, s.KW], dtype);
        using var v = Make(Random(rng, s.N * s.O * s.OH * s.OW), [s.N, s.O, s.OH, s.OW], dtype);
        using var y = Tensor.Conv2d(x, w, null, [s.S], [s.P], [s.D], s.G);
        using var xt = Tensor.ConvTranspose2d(v, w, null, [s.S], [s.P], [extraH, extraW], s.G, [s.D]);
        Assert.Equal(x.Shape, xt.Shape);
        double lhs = Values(y).Zip(Values(v), (a, b) => a * b).Sum();
        double rhs = Values(x).Zip(Values(xt), (a, b) => a * b).Sum();
        Assert.True(Math.Abs(lhs - rhs) <= (dtype == DType.Float64 ? 1e-10 : 1e-3) * (1 + Math.Abs(lhs)), $"{s}: {lhs} vs {rhs}");
    }

    static void Close(double[] expected, double[] actual, double tol, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }
}
