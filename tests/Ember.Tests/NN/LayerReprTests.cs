using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>Layers with options print them as PyTorch's str(module) does (fixtures/nn.json "reprs").</summary>
public class LayerReprTests
{
    public static TheoryData<string> Keys => [.. NNFixtures.Section("reprs").EnumerateObject().Select(p => p.Name)];

    static Module Build(string key) => key switch
    {
        "Conv2d(1, 8, 3, stride=2, padding=1, bias=False)" => new Conv2d(1, 8, 3, stride: 2, padding: 1, bias: false),
        "Conv2d(4, 8, 3, dilation=2, groups=2)" => new Conv2d(4, 8, 3, dilation: 2, groups: 2),
        "Conv1d(3, 5, 3, padding=1)" => new Conv1d(3, 5, 3, padding: 1),
        "ConvTranspose2d(4, 2, 3, stride=2, output_padding=1)" => new ConvTranspose2d(4, 2, 3, stride: 2, outputPadding: 1),
        "MaxPool2d(2)" => new MaxPool2d(2),
        "MaxPool2d(3, stride=1, padding=1, ceil_mode=True)" => new MaxPool2d(3, stride: 1, padding: 1, ceilMode: true),
        "AvgPool2d(3, stride=2, padding=1)" => new AvgPool2d(3, stride: 2, padding: 1),
        "AdaptiveAvgPool2d(1)" => new AdaptiveAvgPool2d(1),
        "AdaptiveAvgPool2d((2, 3))" => new AdaptiveAvgPool2d((2, 3)),
        "BatchNorm2d(8, momentum=None, affine=False)" => new BatchNorm2d(8, momentum: null, affine: false),
        "BatchNorm1d(4, eps=0.001, track_running_stats=False)" => new BatchNorm1d(4, eps: 0.001, trackRunningStats: false),
        "LayerNorm([2, 3], eps=1e-06, elementwise_affine=False)" => new LayerNorm([2, 3], eps: 1e-6, elementwiseAffine: false),
        "GroupNorm(2, 4)" => new GroupNorm(2, 4),
        _ => throw new ArgumentException($"no Ember construction for '{key}'"),
    };

    [Theory, MemberData(nameof(Keys))]
    public void PrintsLikePyTorch(string key) =>
        Assert.Equal(NNFixtures.Section("reprs").GetProperty(key).GetString(), Build(key).ToString());
}
