using Ember.Onnx;
using Ember.Onnx.Ops;
using Ember.Onnx.Protos;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

/// <summary>
/// The direct-loop convolutions used for 3-d inputs, checked against Ember's 2-d kernels on volumes
/// of depth 1 (where a 3-d convolution with a depth-1 kernel is the 2-d one).
/// </summary>
public class OnnxDirectConvTests
{
    static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    [Fact]
    public void ThreeDConvMatchesConv2dOnADepthOneVolume()
    {
        var g = new Generator(7);
        using var x = Tensor.Randn([2, 4, 1, 7, 6], g);
        using var w = Tensor.Randn([6, 2, 1, 3, 2], g);
        using var b = Tensor.Randn([6], g);
        var model = Model(Graph(
            [Node("Conv", ["x", "w", "b"], ["y"], Int("group", 2), Ints("strides", 1, 2, 1), Ints("dilations", 1, 1, 2), Ints("pads", 0, 1, 0, 0, 2, 1))],
            [Value("x", OnnxFloat, 2, 4, 1, 7, 6), Value("w", OnnxFloat, 6, 2, 1, 3, 2), Value("b", OnnxFloat, 6)], [Value("y", OnnxFloat)]));
        using var m = OnnxModel.Load(Bytes(model));
        var outputs = m.Run(new Dictionary<string, Tensor> { ["x"] = x, ["w"] = w, ["b"] = b });
        using var y = outputs["y"];

        using var x2 = x.Squeeze(2);
        using var w2 = w.Squeeze(2);
        // Ember's Conv2d pads evenly, so apply the uneven pads (1 before, 2 after in H; 0 and 1 in W) first.
        using var padded = x2.Pad([0, 1, 1, 2]);
        using var expected = Tensor.Conv2d(padded, w2, b, [2, 1], [0, 0], [1, 2], groups: 2);
        Assert.Equal([2, 6, 1, .. expected.Shape[2..]], y.Shape);
        var actual = y.ToArray<float>();
        var want = expected.ToArray<float>();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(actual[i] - want[i]) <= 1e-4 + 1e-4 * Math.Abs(want[i]), $"element {i}: {actual[i]} vs {want[i]}");
    }

    [Fact]
    public void ThreeDConvTransposeMatchesConvTranspose2dOnADepthOneVolume()
    {
        var g = new Generator(8);
        using var x = Tensor.Randn([1, 4, 1, 3, 5], g);
        using var w = Tensor.Randn([4, 3, 1, 3, 2], g);
        using var y = DirectConv.ConvTranspose(x, w, [1, 2, 3], [1, 2, 1], groups: 2);
        using var x2 = x.Squeeze(2);
        using var w2 = w.Squeeze(2);
        using var expected = Tensor.ConvTranspose2d(x2, w2, null, [2, 3], null, null, groups: 2, dilation: [2, 1]);
        Assert.Equal([1, 6, 1, .. expected.Shape[2..]], y.Shape);
        var actual = y.ToArray<float>();
        var want = expected.ToArray<float>();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(actual[i] - want[i]) <= 1e-4 + 1e-4 * Math.Abs(want[i]), $"element {i}: {actual[i]} vs {want[i]}");
    }
}
