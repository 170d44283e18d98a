using System.Numerics;
using Ember.NN;
using Ember.Optim;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>
/// The fused update on every length 0…3·width+1 (whole vectors, the zero-padded remainder, both):
/// bit for bit the same as the update written out one element at a time in the same order.
/// </summary>
public class FusedUpdateTests
{
    public static TheoryData<int> Lengths()
    {
        var data = new TheoryData<int>();
        for (int n = 0; n <= 3 * Vector<float>.Count + 1; n++) data.Add(n);
        return data;
    }

    static float[] Values(int n, int seed) => Enumerable.Range(0, n).Select(i => MathF.Round(MathF.Sin(i * 1.7f + seed) * 1000) / 500).ToArray();

    [Theory, MemberData(nameof(Lengths))]
    public void AdamAmsgradMatchesScalarLoop(int n)
    {
        var p = new Parameter(Tensor.FromArray(Values(n, 1), n));
        var opt = new Adam([p], lr: 0.01, weightDecay: 0.1, amsgrad: true);
        float[] rp = Values(n, 1), m = new float[n], v = new float[n], vMax = new float[n];
        for (int t = 1; t <= 3; t++)
        {
            var g = Values(n, 10 + t);
            p.Grad = Tensor.FromArray(g.ToArray(), n);
            opt.Step();
            double bc1 = 1 - Math.Pow(0.9, t), bc2 = 1 - Math.Pow(0.999, t);
            float stepSize = (float)(0.01 / bc1), sqrtBc2 = (float)Math.Sqrt(bc2);
            for (int i = 0; i < n; i++)
            {
                float gi = g[i] * 1f + rp[i] * 0.1f;
                m[i] = m[i] * 0.9f + gi * (float)(1 - 0.9);
                v[i] = v[i] * 0.999f + gi * (float)(1 - 0.999) * gi;
                vMax[i] = MathF.Max(vMax[i], v[i]);
                rp[i] -= m[i] / (MathF.Sqrt(vMax[i]) / sqrtBc2 + 1e-8f) * stepSize;
            }
            Assert.Equal(rp, p.ToArray<float>());
        }
    }

    [Theory, MemberData(nameof(Lengths))]
    public void SgdNesterovMatchesScalarLoop(int n)
    {
        var p = new Parameter(Tensor.FromArray(Values(n, 2), n).To(DType.Float64));
        var opt = new SGD([p], lr: 0.1, momentum: 0.9, weightDecay: 0.01, nesterov: true);
        double[] rp = Values(n, 2).Select(x => (double)x).ToArray(), buf = new double[n];
        for (int t = 1; t <= 3; t++)
        {
            var g = Values(n, 20 + t).Select(x => (double)x).ToArray();
            p.Grad = Tensor.FromArray(g.ToArray(), n);
            opt.Step();
            for (int i = 0; i < n; i++)
            {
                double d = g[i] * 1.0 + rp[i] * 0.01;
                buf[i] = t == 1 ? d : buf[i] * 0.9 + d * 1.0;
                d += buf[i] * 0.9;
                rp[i] -= d * 0.1;
            }
            Assert.Equal(rp, p.ToArray<double>());
        }
    }

    [Fact]
    public void ParametersUpdatedTogether_EqualEachUpdatedAlone()
    {
        // Enough elements for the updates to be spread over threads: the result must not depend on it,
        // nor on the order the parameters are handed out in (largest first).
        int[] sizes = [300, 90_000, 7, 40_000, 1];
        Parameter[] together = sizes.Select((n, k) => new Parameter(Tensor.FromArray(Values(n, k), n))).ToArray();
        Parameter[] alone = sizes.Select((n, k) => new Parameter(Tensor.FromArray(Values(n, k), n))).ToArray();
        var makers = new Func<IEnumerable<Parameter>, Optimizer>[]
        {
            ps => new AdamW(ps, 0.01, weightDecay: 0.1),
            ps => new SGD(ps, 0.1, momentum: 0.9, nesterov: true),
            ps => new RMSprop(ps, 0.01, momentum: 0.5, centered: true),
        };
        foreach (var make in makers)
        {
            var joint = make(together);
            var single = alone.Select(p => make([p])).ToArray();
            for (int t = 1; t <= 3; t++)
            {
                for (int k = 0; k < sizes.Length; k++)
                {
                    together[k].Grad = Tensor.FromArray(Values(sizes[k], 20 + t + k), sizes[k]);
                    alone[k].Grad = Tensor.FromArray(Values(sizes[k], 20 + t + k), sizes[k]);
                }
                joint.Step();
                foreach (var o in single) o.Step();
                for (int k = 0; k < sizes.Length; k++) Assert.Equal(alone[k].ToArray<float>(), together[k].ToArray<float>());
            }
        }
    }
}
