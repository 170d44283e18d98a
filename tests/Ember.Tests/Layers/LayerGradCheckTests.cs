using Xunit;
using static Ember.Tests.GradCheckCase;

namespace Ember.Tests;

/// <summary>
/// Finite-difference checks (Autograd.GradCheck, Float64) of the ops behind the layers: the new
/// activations (inputs kept away from their kinks at 0, ±3 and 6), PReLU's input and weight gradients,
/// 1-d average pooling, nearest and (bi)linear resampling, and the pixel shuffles.
/// </summary>
public class LayerGradCheckTests
{
    static readonly GradCheckCase[] Cases =
    [
        G("relu6", r => [r.Of([-1.5, -0.2, 0.3, 2.5, 5.7, 6.4, 9, -7], 2, 4)], x => x[0].Relu6()),
        G("selu", r => [r.A(3, 5)], x => x[0].Selu()),
        G("mish", r => [r.U(-6, 6, 3, 7)], x => x[0].Mish()),
        G("mish_large", r => [r.Of([15, 19.5, 21, -25, -15], 5)], x => x[0].Mish()),
        G("hardswish", r => [r.Of([-5, -2.9, -1.2, -0.1, 0.4, 1.7, 2.95, 3.1, 8], 9)], x => x[0].Hardswish()),
        G("hardsigmoid", r => [r.Of([-5, -2.9, -1.2, -0.1, 0.4, 1.7, 2.95, 3.1, 8], 9)], x => x[0].Hardsigmoid()),
        G("prelu_shared", r => [r.A(2, 3, 4), r.U(0.1, 0.5, 1)], x => x[0].Prelu(x[1])),
        G("prelu_channels", r => [r.A(2, 3, 5), r.U(-0.5, 0.5, 3)], x => x[0].Prelu(x[1])),
        G("prelu_channels_4d", r => [r.A(2, 2, 3, 3), r.U(-0.5, 0.5, 2)], x => x[0].Prelu(x[1])),
        G("prelu_2d", r => [r.A(4, 3), r.U(0.1, 0.9, 3)], x => x[0].Prelu(x[1])),
        G("avgpool1d", r => [r.N(2, 3, 11)], x => x[0].AvgPool1d(3, 2, 1)),
        G("avgpool1d_ceil_nopad", r => [r.N(1, 2, 10)], x => x[0].AvgPool1d(4, 3, 1, ceilMode: true, countIncludePad: false)),
        G("nearest_size", r => [r.N(1, 2, 3, 4)], x => x[0].Interpolate([5, 7])),
        G("nearest_scale", r => [r.N(1, 1, 4, 5)], x => x[0].Interpolate(scaleFactor: [1.5, 0.7])),
        G("nearest_1d", r => [r.N(2, 2, 5)], x => x[0].Interpolate([8])),
        G("bilinear", r => [r.N(1, 2, 3, 4)], x => x[0].Interpolate([5, 7], mode: "bilinear")),
        G("bilinear_align", r => [r.N(1, 2, 3, 4)], x => x[0].Interpolate([5, 7], mode: "bilinear", alignCorners: true)),
        G("bilinear_scale", r => [r.N(1, 1, 4, 5)], x => x[0].Interpolate(scaleFactor: [1.7, 0.6], mode: "bilinear")),
        G("bilinear_down", r => [r.N(1, 1, 5, 6)], x => x[0].Interpolate([2, 3], mode: "bilinear")),
        G("linear", r => [r.N(2, 2, 5)], x => x[0].Interpolate([9], mode: "linear")),
        G("linear_align", r => [r.N(1, 3, 4)], x => x[0].Interpolate(scaleFactor: [2.5], mode: "linear", alignCorners: true)),
        G("pixel_shuffle", r => [r.N(1, 8, 2, 3)], x => x[0].PixelShuffle(2)),
        G("pixel_unshuffle", r => [r.N(2, 1, 6, 3)], x => x[0].PixelUnshuffle(3)),
    ];

    public static TheoryData<string> Names => FixtureRunner.Names(Cases.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Names))]
    public void GradientMatchesFiniteDifferences(string name) => Check(Cases, name);
}
