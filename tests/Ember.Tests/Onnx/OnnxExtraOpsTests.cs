using Ember.Onnx;
using Ember.Onnx.Protos;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

/// <summary>Operators outside ONNX's node-test subset: DepthToSpace, SpaceToDepth, GroupNormalization.</summary>
public class OnnxExtraOpsTests
{
    static AttributeProto Str(string name, string v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8(v) };
    static AttributeProto Flt(string name, float v) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = v };

    static Tensor RunSingle(NodeProto node, int opset, params (string Name, Tensor Value)[] inputs)
    {
        var model = Model(Graph([node], inputs.Select(i => Value(i.Name, OnnxFloat, i.Value.Shape.Select(d => (long)d).ToArray())), [Value(node.Output[0], OnnxFloat)]), opset);
        using var m = OnnxModel.Load(Bytes(model));
        return m.Run(inputs.ToDictionary(i => i.Name, i => i.Value))[node.Output[0]];
    }

    [Theory]
    [InlineData("DCR")]
    [InlineData("CRD")]
    public void DepthToSpaceMovesChannelBlocksIntoPixels(string mode)
    {
        const int b = 2, n = 2, c = 3, h = 2, w = 3;
        using var x = Tensor.Randn([n, c * b * b, h, w], new Generator(3));
        using var y = RunSingle(Node("DepthToSpace", ["x"], ["y"], Int("blocksize", b), Str("mode", mode)), 13, ("x", x));
        Assert.Equal([n, c, h * b, w * b], y.Shape);
        var xv = x.ToArray<float>();
        var yv = y.ToArray<float>();
        // ONNX's definition, element by element.
        for (int bn = 0; bn < n; bn++)
            for (int ch = 0; ch < c; ch++)
                for (int i = 0; i < h * b; i++)
                    for (int j = 0; j < w * b; j++)
                    {
                        int bi = i % b, bj = j % b;
                        int src = mode == "DCR" ? (bi * b + bj) * c + ch : ch * b * b + bi * b + bj;
                        Assert.Equal(xv[((bn * c * b * b + src) * h + i / b) * w + j / b], yv[((bn * c + ch) * h * b + i) * w * b + j]);
                    }
    }

    [Fact]
    public void SpaceToDepthIsTheInverseOfDepthToSpace()
    {
        using var x = Tensor.Randn([1, 2, 4, 6], new Generator(4));
        using var packed = RunSingle(Node("SpaceToDepth", ["x"], ["y"], Int("blocksize", 2)), 13, ("x", x));
        Assert.Equal([1, 8, 2, 3], packed.Shape);
        using var back = RunSingle(Node("DepthToSpace", ["p"], ["y"], Int("blocksize", 2)), 13, ("p", packed));
        Assert.Equal(x.ToArray<float>(), back.ToArray<float>());
    }

    /// <summary>Group normalisation written out with mean and variance over [N, G, rest].</summary>
    static Tensor Reference(Tensor x, int groups, Tensor scale, Tensor bias, double eps)
    {
        var shape = x.Shape;
        using var grouped = x.Reshape(shape[0], groups, -1);
        using var mean = grouped.Mean(2, keepDim: true);
        using var centered = grouped.Sub(mean);
        using var sq = centered.Mul(centered);
        using var variance = sq.Mean(2, keepDim: true);
        using var ve = variance + eps;
        using var std = ve.Sqrt();
        using var normed = centered.Div(std);
        using var back = normed.Reshape(shape);
        using var s = scale.Reshape(shape[1], 1, 1);
        using var bb = bias.Reshape(shape[1], 1, 1);
        using var scaled = back.Mul(s);
        return scaled.Add(bb);
    }

    [Fact]
    public void GroupNormalizationTakesPerChannelAndPerGroupAffines()
    {
        var g = new Generator(5);
        using var x = Tensor.Randn([2, 6, 3, 4], g);
        using var scale = Tensor.Randn([6], g);
        using var bias = Tensor.Randn([6], g);
        using var y = RunSingle(Node("GroupNormalization", ["x", "s", "b"], ["y"], Int("num_groups", 3), Flt("epsilon", 1e-3f)), 21, ("x", x), ("s", scale), ("b", bias));
        using var expected = Reference(x, 3, scale, bias, 1e-3f);
        AssertClose(expected, y);

        // Opset 18: one scale and bias per group, shared by its channels.
        using var gs = Tensor.Randn([3], g);
        using var gb = Tensor.Randn([3], g);
        using var y18 = RunSingle(Node("GroupNormalization", ["x", "s", "b"], ["y"], Int("num_groups", 3)), 18, ("x", x), ("s", gs), ("b", gb));
        using var gsc = gs.Reshape(3, 1).Expand(3, 2).Reshape(6);
        using var gbc = gb.Reshape(3, 1).Expand(3, 2).Reshape(6);
        using var expected18 = Reference(x, 3, gsc, gbc, 1e-5);
        AssertClose(expected18, y18);
    }

    static void AssertClose(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<float>();
        var a = actual.ToArray<float>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(a[i] - e[i]) <= 1e-4 + 1e-4 * Math.Abs(e[i]), $"element {i}: {a[i]} vs {e[i]}");
    }
}
