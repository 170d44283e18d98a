using Xunit;
using static Ember.Tests.GradCheckCase;

namespace Ember.Tests;

/// <summary>
/// Finite-difference checks (Autograd.GradCheck, Float64) of every differentiable op. Inputs are small
/// and seeded, and kept away from the points where an op is not differentiable: abs/relu/elu/prod inputs
/// away from 0, log/sqrt/division inputs positive, clamp inputs away from the bounds, max/sort/topk
/// inputs without ties.
/// </summary>
public class OpsGradCheckTests
{
    /// <summary>Seeded Float64 inputs that require grad.</summary>
    public sealed class Inputs(string caseName)
    {
        readonly Random rng = new(caseName.Aggregate(17, (h, ch) => unchecked(h * 31 + ch)));

        static Tensor Leaf(double[] values, int[] shape)
        {
            var t = FixtureTensor.Make(values, shape);
            t.RequiresGrad = true;
            return t;
        }

        static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

        public Tensor U(double lo, double hi, params int[] shape)
            => Leaf(Enumerable.Range(0, Count(shape)).Select(_ => lo + (hi - lo) * rng.NextDouble()).ToArray(), shape);

        /// <summary>Uniform in [-2, 2).</summary>
        public Tensor N(params int[] shape) => U(-2, 2, shape);

        /// <summary>Positive, in [0.5, 2).</summary>
        public Tensor P(params int[] shape) => U(0.5, 2, shape);

        /// <summary>Magnitude in [0.2, 2), random sign: away from 0.</summary>
        public Tensor A(params int[] shape)
            => Leaf(Enumerable.Range(0, Count(shape))
                .Select(_ => (rng.Next(2) == 0 ? -1 : 1) * (0.2 + 1.8 * rng.NextDouble())).ToArray(), shape);

        /// <summary>Pairwise distinct values at least 0.15 apart: no ties.</summary>
        public Tensor D(params int[] shape)
        {
            int n = Count(shape);
            var order = Enumerable.Range(0, n).OrderBy(_ => rng.Next()).ToArray();
            return Leaf(order.Select(k => (k - n / 2.0) * 0.25 + 0.1 * rng.NextDouble()).ToArray(), shape);
        }

        public Tensor Of(double[] values, params int[] shape) => Leaf(values, shape);
    }

    static Tensor Idx(long[] values, params int[] shape) => Tensor.FromArray(values, shape);
    static Tensor Mask(bool[] values, params int[] shape) => Tensor.FromArray(values, shape);
    static Tensor Consts(int n, params int[] shape) => Tensor.FromArray(Enumerable.Range(0, n).Select(i => 0.5 - 0.25 * i).ToArray(), shape);

    static readonly GradCheckCase[] Cases =
    [
        // elementwise
        G("add_broadcast", r => [r.N(3, 1, 4), r.N(2, 4)], x => x[0].Add(x[1])),
        G("add_0d", r => [r.N(2, 3), r.N()], x => x[0].Add(x[1])),
        G("add_scalar_operator", r => [r.N(2, 3)], x => x[0] + 1.5f),
        G("sub_broadcast", r => [r.N(2, 1), r.N(1, 3)], x => x[0].Sub(x[1])),
        G("rsub_scalar_operator", r => [r.N(2, 3)], x => 2f - x[0]),
        G("mul_broadcast", r => [r.N(4, 1, 3), r.N(2, 3)], x => x[0].Mul(x[1])),
        G("div_broadcast", r => [r.N(2, 3), r.P(3)], x => x[0].Div(x[1])),
        G("rdiv_scalar_operator", r => [r.P(2, 3)], x => 1.5f / x[0]),
        G("pow_tensor", r => [r.P(2, 3), r.N(3)], x => x[0].Pow(x[1])),
        G("pow_scalar", r => [r.P(2, 3)], x => x[0].Pow(2.5f)),
        G("pow_scalar_cube", r => [r.N(2, 3)], x => x[0].Pow(3f)),
        G("neg", r => [r.N(2, 3)], x => x[0].Neg()),
        G("neg_operator", r => [r.N(2, 3)], x => -x[0]),
        G("abs", r => [r.A(2, 3)], x => x[0].Abs()),
        G("exp", r => [r.N(2, 3)], x => x[0].Exp()),
        G("exp_0d", r => [r.N()], x => x[0].Exp()),
        G("log", r => [r.P(2, 3)], x => x[0].Log()),
        G("log1p", r => [r.U(-0.5, 2, 2, 3)], x => x[0].Log1p()),
        G("sqrt", r => [r.P(2, 3)], x => x[0].Sqrt()),
        G("rsqrt", r => [r.P(2, 3)], x => x[0].Rsqrt()),
        G("sin", r => [r.N(2, 3)], x => x[0].Sin()),
        G("cos", r => [r.N(2, 3)], x => x[0].Cos()),
        G("tanh", r => [r.N(2, 3)], x => x[0].Tanh()),
        G("sigmoid", r => [r.N(2, 3)], x => x[0].Sigmoid()),
        G("relu", r => [r.A(2, 3)], x => x[0].Relu()),
        G("leaky_relu", r => [r.A(2, 3)], x => x[0].LeakyRelu(0.1f)),
        G("elu", r => [r.A(2, 3)], x => x[0].Elu(0.5f)),
        G("gelu", r => [r.N(2, 3)], x => x[0].Gelu()),
        G("gelu_tanh", r => [r.N(2, 3)], x => x[0].Gelu(approximateTanh: true)),
        G("silu", r => [r.N(2, 3)], x => x[0].Silu()),
        G("softplus", r => [r.N(2, 3)], x => x[0].Softplus()),
        G("softplus_beta_threshold", r => [r.Of([-3, -0.4, 0.2, 0.45, 0.7, 3], 6)], x => x[0].Softplus(2f, 1f)),
        G("clamp", r => [r.Of([-2, -0.7, -0.2, 0.3, 0.9, 1.7], 2, 3)], x => x[0].Clamp(-0.5f, 0.5f)),
        G("clamp_min", r => [r.A(2, 3)], x => x[0].Clamp(0.1f, null)),
        G("clamp_max", r => [r.A(2, 3)], x => x[0].Clamp(null, -0.1f)),
        G("maximum", r => [r.N(3, 1), r.N(1, 4)], x => x[0].Maximum(x[1])),
        G("minimum", r => [r.N(3, 1), r.N(1, 4)], x => x[0].Minimum(x[1])),
        G("where", r => [r.N(2, 3), r.N(3)],
            x => Tensor.Where(Mask([true, false, false, true, true, false], 2, 3), x[0], x[1])),

        // reductions
        G("sum_all", r => [r.N(2, 3, 4)], x => x[0].Sum()),
        G("sum_dim", r => [r.N(2, 3, 4)], x => x[0].Sum(1)),
        G("sum_dims_keep", r => [r.N(2, 3, 4)], x => x[0].Sum([0, -1], keepDim: true)),
        G("mean_all", r => [r.N(2, 3, 4)], x => x[0].Mean()),
        G("mean_dims", r => [r.N(2, 3, 4)], x => x[0].Mean([0, 2])),
        G("mean_dim_keep", r => [r.N(2, 3)], x => x[0].Mean(-1, keepDim: true)),
        G("prod_all", r => [r.A(2, 3)], x => x[0].Prod()),
        G("prod_dim", r => [r.A(2, 3, 2)], x => x[0].Prod(1, keepDim: true)),
        G("max_all", r => [r.D(3, 4)], x => x[0].Max()),
        G("min_all", r => [r.D(3, 4)], x => x[0].Min()),
        G("max_dim_values", r => [r.D(3, 4)], x => x[0].Max(1).Values),
        G("min_dim_values_keep", r => [r.D(2, 3, 4)], x => x[0].Min(-1, keepDim: true).Values),
        G("var_all", r => [r.N(3, 4)], x => x[0].Var()),
        G("var_dims_c0_keep", r => [r.N(2, 3, 4)], x => x[0].Var([0, 2], correction: 0, keepDim: true)),
        G("std_all", r => [r.N(3, 4)], x => x[0].Std()),
        G("std_dim", r => [r.N(3, 4)], x => x[0].Std([1])),
        G("logsumexp_dim", r => [r.N(3, 4)], x => x[0].LogSumExp(1)),
        G("logsumexp_dims_keep", r => [r.N(2, 3, 4)], x => x[0].LogSumExp([0, 2], keepDim: true)),
        G("norm_2", r => [r.N(3, 4)], x => x[0].Norm()),
        G("norm_1", r => [r.A(3, 4)], x => x[0].Norm(1, [1])),
        G("norm_3_keep", r => [r.N(3, 4)], x => x[0].Norm(3, [0], keepDim: true)),
        G("softmax", r => [r.N(3, 4)], x => x[0].Softmax(-1)),
        G("softmax_dim0", r => [r.N(2, 3, 4)], x => x[0].Softmax(0)),
        G("log_softmax", r => [r.N(2, 3, 4)], x => x[0].LogSoftmax(1)),
        G("cumsum", r => [r.N(3, 4)], x => x[0].CumSum(0)),
        G("cumsum_neg", r => [r.N(2, 3, 4)], x => x[0].CumSum(-1)),

        // matmul, every rank combination
        G("matmul_1d_1d", r => [r.N(4), r.N(4)], x => x[0].MatMul(x[1])),
        G("matmul_2d_1d", r => [r.N(3, 4), r.N(4)], x => x[0].MatMul(x[1])),
        G("matmul_1d_2d", r => [r.N(4), r.N(4, 3)], x => x[0].MatMul(x[1])),
        G("matmul_2d_2d", r => [r.N(3, 4), r.N(4, 2)], x => x[0].MatMul(x[1])),
        G("matmul_3d_2d", r => [r.N(2, 3, 4), r.N(4, 2)], x => x[0].MatMul(x[1])),
        G("matmul_2d_3d", r => [r.N(3, 4), r.N(2, 4, 2)], x => x[0].MatMul(x[1])),
        G("matmul_3d_3d", r => [r.N(2, 3, 4), r.N(2, 4, 2)], x => x[0].MatMul(x[1])),
        G("matmul_batch_broadcast", r => [r.N(2, 1, 3, 4), r.N(3, 4, 2)], x => x[0].MatMul(x[1])),
        G("matmul_1d_3d", r => [r.N(4), r.N(2, 4, 3)], x => x[0].MatMul(x[1])),
        G("matmul_3d_1d", r => [r.N(2, 3, 4), r.N(4)], x => x[0].MatMul(x[1])),

        // shapes
        G("reshape", r => [r.N(2, 3, 4)], x => x[0].Reshape(4, -1)),
        G("transpose", r => [r.N(2, 3, 4)], x => x[0].Transpose(0, 2)),
        G("permute", r => [r.N(2, 3, 4)], x => x[0].Permute(2, 0, 1)),
        G("narrow", r => [r.N(3, 5)], x => x[0].Narrow(1, 1, 3)),
        G("slice_step", r => [r.N(3, 7)], x => x[0].Slice(1, 1, 7, 2)),
        G("select", r => [r.N(2, 3, 4)], x => x[0].Select(-1, 2)),
        G("expand", r => [r.N(3, 1)], x => x[0].Expand(2, 3, 4)),
        G("squeeze_all", r => [r.N(1, 3, 1, 2)], x => x[0].Squeeze()),
        G("squeeze_dim", r => [r.N(1, 3, 1, 2)], x => x[0].Squeeze(2)),
        G("unsqueeze", r => [r.N(2, 3)], x => x[0].Unsqueeze(1)),
        G("flatten", r => [r.N(2, 3, 4)], x => x[0].Flatten(1)),
        G("unfold", r => [r.N(2, 7)], x => x[0].Unfold(1, 3, 2)),
        G("cat", r => [r.N(2, 3), r.N(1, 3)], x => Tensor.Cat(x, 0)),
        G("cat_neg_dim", r => [r.N(2, 1), r.N(2, 3), r.N(2, 2)], x => Tensor.Cat(x, -1)),
        G("stack", r => [r.N(2, 3), r.N(2, 3)], x => Tensor.Stack(x, 1)),
        G("split", r => [r.N(2, 5)], x =>
        {
            var p = x[0].Split(2, 1);
            return Tensor.Cat([p[2], p[0] * 2f, p[1] * 3f], 1);
        }),
        G("split_sizes", r => [r.N(4, 3)], x =>
        {
            var p = x[0].Split([1, 3], 0);
            return Tensor.Cat([p[1], p[0] * 2f], 0);
        }),
        G("chunk", r => [r.N(2, 7)], x =>
        {
            var p = x[0].Chunk(3, -1);
            return Tensor.Cat([p[2] * 3f, p[1], p[0] * 2f], -1);
        }),
        // Pieces of an intermediate: their gradients meet in one buffer, added into each region in place.
        G("chunk_of_intermediate", r => [r.N(2, 7)], x =>
        {
            using var y = x[0] * 1.5f;
            var p = y.Chunk(3, -1);
            return Tensor.Cat([p[2] * 3f, p[1], p[0] * 2f], -1);
        }),
        G("overlapping_slices_and_direct_use", r => [r.N(3, 6)], x =>
        {
            using var y = x[0].Tanh();
            using var a = y.Slice(1, 0, 4);
            using var b = y.Slice(1, 2, 6, 2);
            using var c = y.Select(0, 1);
            using var s = (a * 2f).Sum() + (b * b).Sum() + (c * 3f).Sum();
            return s + (y * y).Sum();
        }),
        G("tril", r => [r.N(3, 4)], x => x[0].Tril()),
        G("triu", r => [r.N(3, 4)], x => x[0].Triu(1)),
        G("pad", r => [r.N(2, 3)], x => x[0].Pad([1, 2, 0, 1], 0.5f)),

        // indexing
        G("gather", r => [r.N(3, 4)], x => x[0].Gather(1, Idx([3, 0, 1, 1, 2, 3], 3, 2))),
        G("scatter_src", r => [r.N(3, 2)], x => Consts(15, 3, 5).Scatter(1, Idx([0, 3, 4, 1, 2, 0], 3, 2), x[0])),
        G("scatter_self_and_src", r => [r.N(3, 5), r.N(3, 2)], x => x[0].Scatter(1, Idx([0, 3, 4, 1, 2, 0], 3, 2), x[1])),
        G("scatter_add", r => [r.N(3, 4), r.N(5, 4)],
            x => x[0].ScatterAdd(0, Idx([0, 1, 2, 0, 2, 2, 1, 0, 1, 0, 0, 2, 0, 1, 2, 1, 2, 2, 0, 0], 5, 4), x[1])),
        G("index_select", r => [r.N(4, 3)], x => x[0].IndexSelect(0, Idx([3, 0, 3, 1], 4))),
        G("masked_fill", r => [r.N(3, 4)], x => x[0].MaskedFill(Mask([true, false, true], 3, 1), -1.5f)),
        G("topk_values", r => [r.D(3, 5)], x => x[0].TopK(2).Values),
        G("topk_smallest_dim0", r => [r.D(4, 3)], x => x[0].TopK(2, 0, largest: false).Values),
        G("sort_values", r => [r.D(3, 5)], x => x[0].Sort().Values),
        G("sort_descending_dim0", r => [r.D(4, 3)], x => x[0].Sort(0, descending: true).Values),
    ];

    public static TheoryData<string> CaseNames => FixtureRunner.Names(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void GradCheck(string name) => GradCheckCase.Check(Cases, name);
}
