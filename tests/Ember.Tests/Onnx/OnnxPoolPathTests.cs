using Ember.Onnx;
using Ember.Onnx.Protos;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

/// <summary>2-d pooling runs on Ember's kernels where their rules agree with ONNX's, else on a direct loop; both must agree.</summary>
public class OnnxPoolPathTests
{
    static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    [Theory]
    [InlineData(3, 2, 1, 0, 1)]
    [InlineData(3, 2, 1, 1, 1)]
    [InlineData(2, 2, 0, 1, 1)]
    [InlineData(3, 1, 1, 0, 2)]
    [InlineData(3, 3, 1, 1, 2)]
    public void MaxPoolFastPathMatchesTheDirectLoop(int k, int s, int p, int ceil, int d)
    {
        using var x = Tensor.Randn([2, 3, 9, 8], new Generator(11));
        AttributeProto[] attrs = [Ints("kernel_shape", k, k), Ints("strides", s, s), Ints("pads", p, p, p, p), Int("ceil_mode", ceil), Ints("dilations", d, d)];
        // Asking for the Indices output forces the direct loop.
        var fast = Model(Graph([Node("MaxPool", ["x"], ["y"], attrs)], [Value("x", OnnxFloat, 2, 3, 9, 8)], [Value("y", OnnxFloat)]), 12);
        var direct = Model(Graph([Node("MaxPool", ["x"], ["y", "i"], attrs)], [Value("x", OnnxFloat, 2, 3, 9, 8)], [Value("y", OnnxFloat), Value("i", OnnxInt64)]), 12);
        using var mf = OnnxModel.Load(Bytes(fast));
        using var md = OnnxModel.Load(Bytes(direct));
        var inputs = new Dictionary<string, Tensor> { ["x"] = x };
        using var yf = mf.Run(inputs)["y"];
        var od = md.Run(inputs);
        using var yd = od["y"];
        using var idx = od["i"];
        Assert.Equal(yd.Shape, yf.Shape);
        Assert.Equal(yd.ToArray<float>(), yf.ToArray<float>());
        // The indices point at the maxima in the flattened input.
        var flat = x.ToArray<float>();
        Assert.Equal(yd.ToArray<float>(), idx.ToArray<long>().Select(i => flat[i]).ToArray());
    }
}
