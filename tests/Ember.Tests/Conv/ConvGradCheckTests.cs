using Xunit;

namespace Ember.Tests;

/// <summary>
/// Finite-difference checks (Autograd.GradCheck, Float64) of the conv backward passes for input,
/// weight and bias, over every algorithm: im2col + GEMM, 1×1, depthwise, grouped, strided, dilated, transposed.
/// </summary>
public class ConvGradCheckTests
{
    static Tensor Leaf(Random rng, params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        var t = FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray(), shape);
        t.RequiresGrad = true;
        return t;
    }

    public sealed record Case(string Name, int[] X, int[] W, int B, Func<Tensor[], Tensor> F)
    {
        public override string ToString() => Name;
    }

    static Func<Tensor[], Tensor> C2(int[]? s = null, int[]? p = null, int[]? d = null, int g = 1)
        => x => Tensor.Conv2d(x[0], x[1], x.Length > 2 ? x[2] : null, s, p, d, g);

    static Func<Tensor[], Tensor> C1(int[]? s = null, int[]? p = null, int[]? d = null, int g = 1)
        => x => Tensor.Conv1d(x[0], x[1], x.Length > 2 ? x[2] : null, s, p, d, g);

    static Func<Tensor[], Tensor> T2(int[]? s = null, int[]? p = null, int[]? op = null, int g = 1, int[]? d = null)
        => x => Tensor.ConvTranspose2d(x[0], x[1], x.Length > 2 ? x[2] : null, s, p, op, g, d);

    static readonly Case[] Cases =
    [
        new("conv2d_general", [2, 3, 5, 4], [4, 3, 3, 2], 4, C2(p: [1])),
        new("conv2d_stride2_dilation2", [1, 2, 7, 7], [3, 2, 3, 3], 3, C2(s: [2], p: [2], d: [2])),
        new("conv2d_stride3_rect", [2, 2, 8, 7], [2, 2, 2, 3], 2, C2(s: [3, 2], p: [1, 0])),
        new("conv2d_groups2", [1, 4, 4, 5], [6, 2, 3, 3], 6, C2(p: [1], g: 2)),
        new("conv2d_pointwise", [3, 5, 3, 2], [3, 5, 1, 1], 3, C2()),
        new("conv2d_depthwise", [2, 3, 5, 6], [6, 1, 3, 3], 6, C2(s: [2, 1], p: [1], g: 3)),
        new("conv2d_single_channel", [3, 1, 5, 5], [4, 1, 3, 3], 4, C2()),
        new("conv2d_no_bias", [1, 3, 4, 4], [2, 3, 2, 2], 0, C2(s: [2])),
        new("conv2d_unbatched", [2, 4, 5], [3, 2, 3, 3], 3, C2(p: [1])),
        new("conv1d", [2, 3, 9], [4, 3, 3], 4, C1(s: [2], p: [1], d: [2])),
        new("conv1d_depthwise", [1, 4, 8], [4, 1, 3], 4, C1(p: [1], g: 4)),
        new("convtranspose2d", [2, 3, 3, 4], [3, 2, 3, 3], 2, T2(s: [2], p: [1], op: [1])),
        new("convtranspose2d_groups_dilation", [1, 4, 3, 3], [4, 1, 2, 2], 2, T2(g: 2, d: [2], s: [3, 2], op: [2, 1])),
        new("convtranspose2d_depthwise", [2, 3, 4, 3], [3, 1, 3, 3], 3, T2(s: [2], g: 3)),
    ];

    public static TheoryData<Case> All => new(Cases);

    [Theory]
    [MemberData(nameof(All))]
    public void InputWeightAndBias(Case c)
    {
        var rng = new Random(c.Name.Aggregate(7, (h, ch) => unchecked(h * 31 + ch)));
        var inputs = new List<Tensor> { Leaf(rng, c.X), Leaf(rng, c.W) };
        if (c.B > 0) inputs.Add(Leaf(rng, c.B));
        Assert.True(Autograd.GradCheck(c.F, inputs.ToArray()));
    }
}
