using System.Text.Json;

namespace Ember.Tests;

/// <summary>
/// Runs a fixture case's op on Ember: one entry per op name of fixtures/ops.json, reading the op's
/// parameters by the names of Ember's method parameters. Every op returns its outputs as an array
/// (ops returning (Values, Indices) give both, Split and Chunk give all parts).
/// </summary>
public static class OpDispatch
{
    delegate Tensor[] Op(Tensor[] x, FixtureParams p);

    static Tensor[] One(Tensor t) => [t];
    static Tensor[] Two((Tensor Values, Tensor Indices) r) => [r.Values, r.Indices];

    static Tensor[] MaxOrMin(Tensor x, FixtureParams p, bool max) => p.Has("dim")
        ? Two(max ? x.Max(p.Int("dim"), p.Bool("keepDim")) : x.Min(p.Int("dim"), p.Bool("keepDim")))
        : One(max ? x.Max() : x.Min());

    static readonly Dictionary<string, Op> Table = new()
    {
        // elementwise, broadcasting
        ["Add"] = (x, p) => One(x[0].Add(x[1])),
        ["Sub"] = (x, p) => One(x[0].Sub(x[1])),
        ["Mul"] = (x, p) => One(x[0].Mul(x[1])),
        ["Div"] = (x, p) => One(x[0].Div(x[1])),
        ["Pow"] = (x, p) => One(x[0].Pow(x[1])),
        ["AddScalar"] = (x, p) => One(x[0] + p.Float("value")),
        ["SubScalar"] = (x, p) => One(x[0] - p.Float("value")),
        ["RSubScalar"] = (x, p) => One(p.Float("value") - x[0]),
        ["MulScalar"] = (x, p) => One(x[0] * p.Float("value")),
        ["DivScalar"] = (x, p) => One(x[0] / p.Float("value")),
        ["RDivScalar"] = (x, p) => One(p.Float("value") / x[0]),
        ["PowScalar"] = (x, p) => One(x[0].Pow(p.Float("exponent"))),
        ["Neg"] = (x, p) => One(x[0].Neg()),
        ["Abs"] = (x, p) => One(x[0].Abs()),
        ["Exp"] = (x, p) => One(x[0].Exp()),
        ["Log"] = (x, p) => One(x[0].Log()),
        ["Log1p"] = (x, p) => One(x[0].Log1p()),
        ["Sqrt"] = (x, p) => One(x[0].Sqrt()),
        ["Rsqrt"] = (x, p) => One(x[0].Rsqrt()),
        ["Sin"] = (x, p) => One(x[0].Sin()),
        ["Cos"] = (x, p) => One(x[0].Cos()),
        ["Tanh"] = (x, p) => One(x[0].Tanh()),
        ["Sigmoid"] = (x, p) => One(x[0].Sigmoid()),
        ["Relu"] = (x, p) => One(x[0].Relu()),
        ["LeakyRelu"] = (x, p) => One(x[0].LeakyRelu(p.Float("negativeSlope"))),
        ["Elu"] = (x, p) => One(x[0].Elu(p.Float("alpha"))),
        ["Gelu"] = (x, p) => One(x[0].Gelu(p.Bool("approximateTanh"))),
        ["Silu"] = (x, p) => One(x[0].Silu()),
        ["Softplus"] = (x, p) => One(x[0].Softplus(p.Float("beta"), p.Float("threshold"))),
        ["Clamp"] = (x, p) => One(x[0].Clamp(p.FloatOrNull("min"), p.FloatOrNull("max"))),
        ["Maximum"] = (x, p) => One(x[0].Maximum(x[1])),
        ["Minimum"] = (x, p) => One(x[0].Minimum(x[1])),
        ["Where"] = (x, p) => One(Tensor.Where(x[0], x[1], x[2])),

        // comparisons and logic
        ["Eq"] = (x, p) => One(x[0].Eq(x[1])),
        ["Ne"] = (x, p) => One(x[0].Ne(x[1])),
        ["Lt"] = (x, p) => One(x[0].Lt(x[1])),
        ["Le"] = (x, p) => One(x[0].Le(x[1])),
        ["Gt"] = (x, p) => One(x[0].Gt(x[1])),
        ["Ge"] = (x, p) => One(x[0].Ge(x[1])),
        ["EqScalar"] = (x, p) => One(x[0].Eq(p.Float("value"))),
        ["NeScalar"] = (x, p) => One(x[0].Ne(p.Float("value"))),
        ["LtScalar"] = (x, p) => One(x[0].Lt(p.Float("value"))),
        ["LeScalar"] = (x, p) => One(x[0].Le(p.Float("value"))),
        ["GtScalar"] = (x, p) => One(x[0].Gt(p.Float("value"))),
        ["GeScalar"] = (x, p) => One(x[0].Ge(p.Float("value"))),
        ["LogicalAnd"] = (x, p) => One(x[0].LogicalAnd(x[1])),
        ["LogicalOr"] = (x, p) => One(x[0].LogicalOr(x[1])),
        ["LogicalXor"] = (x, p) => One(x[0].LogicalXor(x[1])),
        ["LogicalNot"] = (x, p) => One(x[0].LogicalNot()),

        // reductions
        ["Sum"] = (x, p) => One(p.Has("dims") ? x[0].Sum(p.Ints("dims"), p.Bool("keepDim")) : x[0].Sum(p.IntOrNull("dim"), p.Bool("keepDim"))),
        ["Mean"] = (x, p) => One(p.Has("dims") ? x[0].Mean(p.Ints("dims"), p.Bool("keepDim")) : x[0].Mean(p.IntOrNull("dim"), p.Bool("keepDim"))),
        ["Prod"] = (x, p) => One(x[0].Prod(p.IntOrNull("dim"), p.Bool("keepDim"))),
        ["Max"] = (x, p) => MaxOrMin(x[0], p, max: true),
        ["Min"] = (x, p) => MaxOrMin(x[0], p, max: false),
        ["ArgMax"] = (x, p) => One(x[0].ArgMax(p.IntOrNull("dim"), p.Bool("keepDim"))),
        ["ArgMin"] = (x, p) => One(x[0].ArgMin(p.IntOrNull("dim"), p.Bool("keepDim"))),
        ["Var"] = (x, p) => One(x[0].Var(p.IntsOrNull("dims"), p.Int("correction"), p.Bool("keepDim"))),
        ["Std"] = (x, p) => One(x[0].Std(p.IntsOrNull("dims"), p.Int("correction"), p.Bool("keepDim"))),
        ["LogSumExp"] = (x, p) => One(p.Has("dims") ? x[0].LogSumExp(p.Ints("dims"), p.Bool("keepDim")) : x[0].LogSumExp(p.Int("dim"), p.Bool("keepDim"))),
        ["Norm"] = (x, p) => One(x[0].Norm(p.Float("p"), p.IntsOrNull("dims"), p.Bool("keepDim"))),
        ["Softmax"] = (x, p) => One(x[0].Softmax(p.Int("dim"))),
        ["LogSoftmax"] = (x, p) => One(x[0].LogSoftmax(p.Int("dim"))),
        ["CumSum"] = (x, p) => One(x[0].CumSum(p.Int("dim"))),
        ["MatMul"] = (x, p) => One(x[0].MatMul(x[1])),
        ["Linear"] = (x, p) => One(Tensor.Linear(x[0], x[1], x.Length > 2 ? x[2] : null)),

        // shapes
        ["Reshape"] = (x, p) => One(x[0].Reshape(p.Ints("shape"))),
        ["View"] = (x, p) => One(x[0].View(p.Ints("shape"))),
        ["Transpose"] = (x, p) => One(x[0].Transpose(p.Int("dim0"), p.Int("dim1"))),
        ["Permute"] = (x, p) => One(x[0].Permute(p.Ints("dims"))),
        ["Narrow"] = (x, p) => One(x[0].Narrow(p.Int("dim"), p.Int("start"), p.Int("length"))),
        ["Slice"] = (x, p) => One(x[0].Slice(p.Int("dim"), p.Int("start"), p.Int("end"), p.Int("step"))),
        ["Select"] = (x, p) => One(x[0].Select(p.Int("dim"), p.Int("index"))),
        ["Expand"] = (x, p) => One(x[0].Expand(p.Ints("shape"))),
        ["Squeeze"] = (x, p) => One(x[0].Squeeze(p.IntOrNull("dim"))),
        ["Unsqueeze"] = (x, p) => One(x[0].Unsqueeze(p.Int("dim"))),
        ["Flatten"] = (x, p) => One(x[0].Flatten(p.Int("startDim"), p.Int("endDim"))),
        ["Unfold"] = (x, p) => One(x[0].Unfold(p.Int("dim"), p.Int("size"), p.Int("step"))),
        ["Contiguous"] = (x, p) => One(x[0].Contiguous()),
        ["Cat"] = (x, p) => One(Tensor.Cat(x, p.Int("dim"))),
        ["Stack"] = (x, p) => One(Tensor.Stack(x, p.Int("dim"))),
        ["Split"] = (x, p) => p.Has("sizes") ? x[0].Split(p.Ints("sizes"), p.Int("dim")) : x[0].Split(p.Int("splitSize"), p.Int("dim")),
        ["Chunk"] = (x, p) => x[0].Chunk(p.Int("chunks"), p.Int("dim")),
        ["Tril"] = (x, p) => One(x[0].Tril(p.Int("diagonal"))),
        ["Triu"] = (x, p) => One(x[0].Triu(p.Int("diagonal"))),
        ["Pad"] = (x, p) => One(x[0].Pad(p.Ints("pad"), p.Float("value"))),

        // indexing
        ["Gather"] = (x, p) => One(x[0].Gather(p.Int("dim"), x[1])),
        ["Scatter"] = (x, p) => One(x[0].Scatter(p.Int("dim"), x[1], x[2])),
        ["ScatterAdd"] = (x, p) => One(x[0].ScatterAdd(p.Int("dim"), x[1], x[2])),
        ["IndexSelect"] = (x, p) => One(x[0].IndexSelect(p.Int("dim"), x[1])),
        ["MaskedFill"] = (x, p) => One(x[0].MaskedFill(x[1], p.Float("value"))),
        ["OneHot"] = (x, p) => One(x[0].OneHot(p.Int("numClasses"))),
        ["TopK"] = (x, p) => Two(x[0].TopK(p.Int("k"), p.Int("dim"), p.Bool("largest"), p.Bool("sorted"))),
        ["Sort"] = (x, p) => Two(x[0].Sort(p.Int("dim"), p.Bool("descending"))),

        // conversion and creation
        ["To"] = (x, p) => One(x[0].To(p.DType("dtype"))),
        ["Arange"] = (x, p) => One(Tensor.Arange(p.Float("start"), p.Float("end"), p.Float("step"))),
        ["Linspace"] = (x, p) => One(Tensor.Linspace(p.Float("start"), p.Float("end"), p.Int("steps"))),
        ["Eye"] = (x, p) => One(Tensor.Eye(p.Int("n"), p.IntOrNull("m"))),
        ["Full"] = (x, p) => One(Tensor.Full(p.Ints("shape"), p.Float("value"))),
        ["Zeros"] = (x, p) => One(Tensor.Zeros(p.Ints("shape"), p.DType("dtype"))),
        ["Ones"] = (x, p) => One(Tensor.Ones(p.Ints("shape"), p.DType("dtype"))),
        ["ZerosLike"] = (x, p) => One(Tensor.ZerosLike(x[0])),
        ["OnesLike"] = (x, p) => One(Tensor.OnesLike(x[0])),
        ["FullLike"] = (x, p) => One(Tensor.FullLike(x[0], p.Float("value"))),
    };

    public static bool Knows(string op) => Table.ContainsKey(op);

    /// <summary>Applies the case's views (transpose, permute, expand or strided slice) to its inputs, then runs the op.</summary>
    public static Tensor[] Run(FixtureCase c, Tensor[] inputs)
    {
        if (!Table.TryGetValue(c.Op, out var op))
            throw new KeyNotFoundException($"no Ember dispatch for op '{c.Op}'");
        var viewed = inputs.Select((t, i) => ApplyView(t, c.Views[i])).ToArray();
        return op(viewed, c.Params);
    }

    static Tensor ApplyView(Tensor t, JsonElement? view)
    {
        if (view is not { } v) return t;
        var a = v.EnumerateArray().ToArray();
        return a[0].GetString() switch
        {
            "transpose" => t.Transpose(a[1].GetInt32(), a[2].GetInt32()),
            "slice" => t.Slice(a[1].GetInt32(), a[2].GetInt32(), a[3].GetInt32(), a[4].GetInt32()),
            "permute" => t.Permute(a[1..].Select(d => d.GetInt32()).ToArray()),
            "expand" => t.Expand(a[1..].Select(d => d.GetInt32()).ToArray()),
            var kind => throw new FormatException($"unknown view '{kind}' in ops.json"),
        };
    }
}
