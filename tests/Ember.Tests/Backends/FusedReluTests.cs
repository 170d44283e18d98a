using Ember.Backends.Cpu;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Linear and Conv2d with ReLU in the GEMM epilogue give what the separate ops give, forward and
/// backward, on every conv algorithm (GEMM, 1×1, depthwise) and pass finite-difference checks.
/// </summary>
public class FusedReluTests
{
    static Tensor Leaf(Random rng, DType dtype, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var t = FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), shape).To(dtype);
        t.RequiresGrad = true;
        return t;
    }

    static double[] Values(Tensor t)
    {
        using var d = t.To(DType.Float64);
        return d.ToArray<double>();
    }

    public static TheoryData<string> Cases => new() { "linear", "linear_3d", "linear_nobias", "conv_gemm", "conv_pointwise", "conv_depthwise", "conv_unbatched" };

    static (int[][] Shapes, Func<Tensor[], GemmActivation, Tensor> F) Case(string name) => name switch
    {
        "linear" => ([[37, 19], [21, 19], [21]], (x, a) => Tensor.Linear(x[0], x[1], x[2], a)),
        "linear_3d" => ([[2, 5, 33], [40, 33], [40]], (x, a) => Tensor.Linear(x[0], x[1], x[2], a)),
        "linear_nobias" => ([[9, 8], [17, 8]], (x, a) => Tensor.Linear(x[0], x[1], null, a)),
        "conv_gemm" => ([[2, 3, 9, 8], [5, 3, 3, 3], [5]], (x, a) => Tensor.Conv2d(x[0], x[1], x[2], null, [1], null, 1, a)),
        "conv_pointwise" => ([[2, 4, 5, 3], [6, 4, 1, 1], [6]], (x, a) => Tensor.Conv2d(x[0], x[1], x[2], null, null, null, 1, a)),
        "conv_depthwise" => ([[2, 3, 6, 7], [6, 1, 3, 3], [6]], (x, a) => Tensor.Conv2d(x[0], x[1], x[2], [2, 1], [1], null, 3, a)),
        "conv_unbatched" => ([[3, 6, 6], [4, 3, 2, 2], [4]], (x, a) => Tensor.Conv2d(x[0], x[1], x[2], null, null, null, 1, a)),
        _ => throw new ArgumentException(name),
    };

    [Theory, MemberData(nameof(Cases))]
    public void Fused_MatchesSeparateOps_ForwardAndBackward(string name)
    {
        var (shapes, f) = Case(name);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var rng = new Random(name.Length);
            var inputs = shapes.Select(s => Leaf(rng, dtype, s)).ToArray();
            using var fused = f(inputs, GemmActivation.Relu);
            using var seed = Tensor.Randn(fused.Shape, new Generator(3)).To(dtype);
            using (var loss = (fused * seed).Sum()) loss.Backward();
            var fusedGrads = inputs.Select(t => Values(t.Grad!)).ToArray();
            foreach (var t in inputs) t.ZeroGrad();

            using var pre = f(inputs, GemmActivation.None);
            using var separate = pre.Relu();
            using (var loss = (separate * seed).Sum()) loss.Backward();

            double tol = dtype == DType.Float32 ? 1e-5 : 1e-12;
            Assert.Equal(Values(separate), Values(fused), (a, b) => Math.Abs(a - b) <= tol);
            Assert.Contains(Values(fused), v => v == 0);   // the cases do cross zero
            for (int i = 0; i < inputs.Length; i++)
                Assert.Equal(Values(inputs[i].Grad!), fusedGrads[i], (a, b) => Math.Abs(a - b) <= tol * 10);
            foreach (var t in inputs) t.Dispose();
        }
    }

    [Theory, MemberData(nameof(Cases))]
    public void Fused_PassesGradCheck(string name)
    {
        var (shapes, f) = Case(name);
        var rng = new Random(7 + name.Length);
        var inputs = shapes.Select(s => Leaf(rng, DType.Float64, s)).ToArray();
        Assert.True(Autograd.GradCheck(x => f(x, GemmActivation.Relu), inputs));
    }

    [Fact]
    public void Fused_KeepsNaN_AndZeroesNegatives()
    {
        using var x = Tensor.FromArray([-1f, 2f, 0.5f, -3f], [2, 2]);
        using var w = Tensor.FromArray([1f, 0f, 0f, 1f], [2, 2]);
        using var b = Tensor.FromArray([float.NaN, 0f], [2]);
        using var y = Tensor.Linear(x, w, b, GemmActivation.Relu);
        var v = y.ToArray<float>();
        Assert.True(float.IsNaN(v[0]) && float.IsNaN(v[2]));
        Assert.Equal(2f, v[1]);
        Assert.Equal(0f, v[3]);
    }
}
