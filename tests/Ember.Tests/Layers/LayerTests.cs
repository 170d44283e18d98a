using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>The layers' parameters and settings, their functional forms, and the errors bad input gets.</summary>
public class LayerTests
{
    static Tensor Input(params int[] shape) => Tensor.Randn(shape, new Generator(7));

    static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>());
    }

    [Fact]
    public void PReLUHasOneWeightPerChannelStartingAtInit()
    {
        var shared = new PReLU();
        Assert.Equal(["weight"], shared.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal([1], shared.Weight.Shape);
        Assert.Equal(new float[] { 0.25f }, shared.Weight.ToArray<float>());

        var m = new PReLU(3, init: 0.5);
        Assert.Equal(new float[] { 0.5f, 0.5f, 0.5f }, m.Weight.ToArray<float>());
        using var x = Tensor.FromArray(new float[] { -1, 2, -3, 4, -5, 6 }, 1, 3, 2);
        using var y = m.Forward(x);
        Assert.Equal(new float[] { -0.5f, 2, -1.5f, 4, -2.5f, 6 }, y.ToArray<float>());
        using var loss = y.Sum();
        loss.Backward();
        // d/dw_c = the sum of the channel's non-positive inputs.
        Assert.Equal(new float[] { -1, -3, -5 }, m.Weight.Grad!.ToArray<float>());
    }

    [Fact]
    public void FunctionalFormsMatchTheLayers()
    {
        using var x = Input(2, 3, 17);
        AssertSame(new ReLU6().Forward(x), F.Relu6(x));
        AssertSame(new SELU().Forward(x), F.Selu(x));
        AssertSame(new Mish().Forward(x), F.Mish(x));
        AssertSame(new Hardswish().Forward(x), F.Hardswish(x));
        AssertSame(new Hardsigmoid().Forward(x), F.Hardsigmoid(x));
        AssertSame(new LeakyReLU(0.2).Forward(x), F.LeakyRelu(x, 0.2));
        AssertSame(new ELU(0.5).Forward(x), F.Elu(x, 0.5));
        AssertSame(new SiLU().Forward(x), F.Silu(x));
        AssertSame(new Sigmoid().Forward(x), F.Sigmoid(x));
        AssertSame(new Tanh().Forward(x), F.Tanh(x));
        AssertSame(new Softplus(2, 3).Forward(x), F.Softplus(x, 2, 3));
        AssertSame(new GELU("tanh").Forward(x), F.Gelu(x, "tanh"));
        AssertSame(new Softmax(1).Forward(x), F.Softmax(x, 1));
        AssertSame(new LogSoftmax(-1).Forward(x), F.LogSoftmax(x, -1));
        var prelu = new PReLU(3);
        AssertSame(prelu.Forward(x), F.Prelu(x, prelu.Weight));
        AssertSame(new AvgPool1d(3, 2, 1).Forward(x), F.AvgPool1d(x, 3, 2, 1));
        AssertSame(new MaxPool1d(3, 2, 1).Forward(x), F.MaxPool1d(x, 3, 2, 1));
        AssertSame(new Upsample(scaleFactor: 2.0, mode: "linear").Forward(x), F.Interpolate(x, scaleFactor: [2.0], mode: "linear"));
        using var img = Input(1, 8, 3, 4);
        AssertSame(new PixelShuffle(2).Forward(img), F.PixelShuffle(img, 2));
        AssertSame(new PixelUnshuffle(2).Forward(F.PixelShuffle(img, 2)), img);
    }

    [Fact]
    public void PixelUnshuffleUndoesPixelShuffle()
    {
        using var x = Input(2, 18, 3, 5);
        using var up = x.PixelShuffle(3);
        Assert.Equal([2, 2, 9, 15], up.Shape);
        AssertSame(x, up.PixelUnshuffle(3));
    }

    [Fact]
    public void StridedInputsGiveTheSameResultsAsContiguousOnes()
    {
        // Transposed and permuted views of seeded data: every op must read them through their strides.
        using var seq = Input(2, 17, 3);
        using var t = seq.Transpose(1, 2); // [2, 3, 17]
        using var tc = t.Contiguous();
        AssertSame(tc.AvgPool1d(3, 2, 1), t.AvgPool1d(3, 2, 1));
        AssertSame(tc.Interpolate([33], mode: "linear"), t.Interpolate([33], mode: "linear"));
        AssertSame(tc.Mish(), t.Mish());
        using var w = Tensor.FromArray(new float[] { 0.1f, -0.2f, 0.3f }, 3);
        AssertSame(tc.Prelu(w), t.Prelu(w));

        using var nhwc = Input(2, 3, 5, 8);
        using var p = nhwc.Permute(0, 3, 1, 2); // [2, 8, 3, 5]
        using var pc = p.Contiguous();
        AssertSame(pc.PixelShuffle(2), p.PixelShuffle(2));
        AssertSame(pc.Interpolate([4, 7], mode: "bilinear", alignCorners: true), p.Interpolate([4, 7], mode: "bilinear", alignCorners: true));
        using var q = Input(2, 6, 4, 2).Permute(0, 3, 1, 2); // [2, 2, 6, 4]
        AssertSame(q.Contiguous().PixelUnshuffle(2), q.PixelUnshuffle(2));
    }

    static void Throws<TException>(Func<object> f, params string[] fragments) where TException : Exception
    {
        var e = Assert.Throws<TException>(() => { f(); });
        foreach (var s in fragments) Assert.Contains(s, e.Message);
    }

    [Fact]
    public void PReLURejectsAWeightThatDoesNotMatchTheChannels()
    {
        using var x = Input(2, 4, 5);
        using var w3 = Tensor.Ones(3);
        Throws<ArgumentException>(() => x.Prelu(w3), "Prelu", "3 elements", "[2, 4, 5]");
        using var v = Input(5);
        Throws<ArgumentException>(() => v.Prelu(w3), "Prelu", "[5]");
        using var w2d = Tensor.Ones(2, 2);
        Throws<ArgumentException>(() => x.Prelu(w2d), "Prelu", "[2, 2]");
        using var wd = Tensor.Ones(4).To(DType.Float64);
        Throws<ArgumentException>(() => x.Prelu(wd), "Prelu", "Float32", "Float64");
        Throws<ArgumentException>(() => new PReLU(0), "PReLU", "numParameters");
    }

    [Fact]
    public void InterpolateRejectsBadSizesModesAndRanks()
    {
        using var x = Input(1, 2, 3, 4);
        Throws<ArgumentException>(() => x.Interpolate([5, 5], [2.0]), "Interpolate", "exactly one");
        Throws<ArgumentException>(() => x.Interpolate(), "Interpolate", "exactly one");
        Throws<ArgumentException>(() => x.Interpolate([5, 5, 5]), "Interpolate", "[5, 5, 5]", "[1, 2, 3, 4]");
        Throws<ArgumentException>(() => x.Interpolate([0, 5]), "Interpolate", "positive");
        Throws<ArgumentException>(() => x.Interpolate(scaleFactor: [-2.0]), "Interpolate", "positive");
        Throws<ArgumentException>(() => x.Interpolate(scaleFactor: [0.1]), "Interpolate", "scaleFactor 0.1", "[1, 2, 3, 4]");
        Throws<ArgumentException>(() => x.Interpolate([5, 5], mode: "bicubic"), "Interpolate", "'bicubic'");
        Throws<ArgumentException>(() => x.Interpolate([5, 5], mode: "linear"), "Interpolate", "'linear'", "3-d", "[1, 2, 3, 4]");
        Throws<ArgumentException>(() => x.Interpolate([5, 5], alignCorners: true), "Interpolate", "alignCorners", "'nearest'");
        using var x2 = Input(3, 4);
        Throws<ArgumentException>(() => x2.Interpolate([5]), "Interpolate", "[3, 4]");
        using var x3 = Input(1, 2, 5);
        Throws<ArgumentException>(() => x3.Interpolate([7], mode: "bilinear"), "Interpolate", "'bilinear'", "4-d", "[1, 2, 5]");
        Throws<ArgumentException>(() => new Upsample(), "Upsample", "exactly one");
    }

    [Fact]
    public void PixelShuffleRejectsShapesThatDoNotDivide()
    {
        using var x = Input(1, 7, 3, 3);
        Throws<ArgumentException>(() => x.PixelShuffle(2), "PixelShuffle", "7 channels", "[1, 7, 3, 3]", "4");
        Throws<ArgumentException>(() => x.PixelShuffle(0), "PixelShuffle", "upscaleFactor", "0");
        using var flat = Input(4, 4);
        Throws<ArgumentException>(() => flat.PixelShuffle(2), "PixelShuffle", "[4, 4]");
        using var odd = Input(1, 2, 6, 5);
        Throws<ArgumentException>(() => odd.PixelUnshuffle(2), "PixelUnshuffle", "width 5", "[1, 2, 6, 5]");
        Throws<ArgumentException>(() => odd.PixelUnshuffle(-1), "PixelUnshuffle", "downscaleFactor");
    }

    [Fact]
    public void PoolingAndActivationLayersRejectBadSettings()
    {
        using var x = Input(2, 3, 4, 5);
        Throws<ArgumentException>(() => x.AvgPool1d(2), "AvgPool1d", "[2, 3, 4, 5]");
        using var s = Input(1, 2, 3);
        Throws<ArgumentException>(() => s.AvgPool1d(5), "AvgPool1d", "[1, 2, 3]");
        Throws<ArgumentException>(() => new GELU("fast"), "GELU", "'fast'");
        Throws<ArgumentException>(() => F.Gelu(x, "erf"), "GELU", "'erf'");
    }
}
