using Ember.Models;
using Ember.NN;
using Xunit;
using static Ember.OnnxRuntime.Tests.OrtHarness;
using static Ember.Tests.Onnx.Export.ExportCases;

namespace Ember.OnnxRuntime.Tests;

public class OrtModelTests
{
    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    [InlineData(21)]
    public void Mlp(int opset)
        => Check(new Sequential(new Linear(6, 16, generator: G(1)), new ReLU(), new Linear(16, 8, generator: G(2)), new GELU(), new Linear(8, 3, generator: G(3))),
            Randn(1, 6), opset);

    [Fact]
    public void CnnWithBatchNorm()
    {
        var m = new Sequential(
            new Conv2d(3, 8, 3, padding: 1, generator: G(1)), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 8, 3, padding: 1, generator: G(2)), new BatchNorm2d(8), new ReLU(),
            new AdaptiveAvgPool2d((1, 1)), new Flatten(), new Linear(8, 4, generator: G(3)));
        Warm(m, Randn(9, 3, 8, 8));
        Check(m, Randn(2, 3, 8, 8));
    }

    [Fact]
    public void ResNetBasicBlock()
    {
        var m = new BasicBlock(4, 8, stride: 2, generator: G(4));
        Warm(m, Randn(9, 4, 8, 8));
        Check(m, Randn(3, 4, 8, 8));
    }

    [Fact]
    public void ResNet18()
    {
        var m = ResNet.ResNet18(numClasses: 10, width: 16, generator: G(7));
        Warm(m, Randn(9, 3, 64, 64));
        Check(m, Randn(8, 3, 64, 64));
    }

    [Theory]
    [InlineData(13)]
    [InlineData(17)]
    public void BertStyleEncoder(int opset)
        => Check(new BertEncoder(vocabSize: 50, maxLen: 12, dModel: 32, heads: 4, layers: 2, dimFeedforward: 64, generator: G(8)),
            Tokens(8, 12, 50), opset);

    [Fact]
    public void TransformerEncoderLayer()
        => Check(new TransformerEncoderLayer(16, 4, dimFeedforward: 32, batchFirst: true, normFirst: true, activation: "gelu", generator: G(5)), Randn(5, 6, 16));

    [Theory]
    [InlineData(GptPositions.Learned, 17)]
    [InlineData(GptPositions.Rotary, 17)]
    [InlineData(GptPositions.Learned, 13)]
    [InlineData(GptPositions.Rotary, 21)]
    public void SmallGpt(GptPositions positions, int opset)
        => Check(new Gpt(new GptConfig(VocabSize: 17, BlockSize: 8, Layers: 2, Heads: 2, DModel: 8, Positions: positions), G(6)),
            Tokens(6, 5, 17), opset);

    [Fact]
    public void TwoBasicBlocksInASequential()
    {
        var m = new Sequential(new BasicBlock(3, 4, generator: G(7)), new BasicBlock(4, 4, generator: G(8)));
        Warm(m, Randn(9, 3, 6, 6));
        Check(m, Randn(8, 3, 6, 6));
    }
}
