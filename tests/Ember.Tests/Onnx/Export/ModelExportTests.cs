using Ember.Models;
using Ember.NN;
using Xunit;
using static Ember.Tests.Onnx.Export.ExportHarness;
using static Ember.Tests.Onnx.Export.ExportCases;

namespace Ember.Tests.Onnx.Export;

public class ModelExportTests
{
    static Generator G(ulong seed) => new(seed);

    [Fact]
    public void Mlp()
    {
        var m = new Sequential(new Linear(6, 16, generator: G(1)), new ReLU(), new Linear(16, 8, generator: G(2)), new Tanh(), new Linear(8, 3, generator: G(3)));
        var bytes = RoundTrip(m, Randn(1, 6));
        Assert.Contains("Gemm", OpTypes(bytes));
    }

    [Fact]
    public void CnnWithBatchNorm()
    {
        var m = new Sequential(
            new Conv2d(3, 8, 3, padding: 1, generator: G(1)), new BatchNorm2d(8), new ReLU(), new MaxPool2d(2),
            new Conv2d(8, 8, 3, padding: 1, generator: G(2)), new BatchNorm2d(8), new ReLU(),
            new AdaptiveAvgPool2d((1, 1)), new Flatten(), new Linear(8, 4, generator: G(3)));
        Warm(m, Randn(9, 3, 8, 8));
        var bytes = RoundTrip(m, Randn(2, 3, 8, 8));
        Assert.Contains("BatchNormalization", OpTypes(bytes));
        Assert.Contains("GlobalAveragePool", OpTypes(bytes));
    }

    [Fact]
    public void ResNetBasicBlock()
    {
        var m = new BasicBlock(4, 8, stride: 2, generator: G(4));
        Warm(m, Randn(9, 4, 8, 8));
        var bytes = RoundTrip(m, Randn(3, 4, 8, 8));
        Assert.Contains("Add", OpTypes(bytes));
    }

    [Fact]
    public void ResNet18()
    {
        // torchvision's topology at a quarter of its width (the file stays small), on 64×64 images.
        var m = Ember.Models.ResNet.ResNet18(numClasses: 10, width: 16, generator: G(7));
        Warm(m, Randn(9, 3, 64, 64));
        var bytes = RoundTrip(m, Randn(8, 3, 64, 64), tolerance: 1e-4, batches: [1, 3]);
        var ops = OpTypes(bytes);
        Assert.Equal(20, ops.Count(o => o == "Conv"));
        Assert.Equal(8, ops.Count(o => o == "Add"));
        Assert.Contains("MaxPool", ops);
    }

    [Fact]
    public void BertStyleEncoder()
    {
        var m = new BertEncoder(vocabSize: 50, maxLen: 12, dModel: 32, heads: 4, layers: 2, dimFeedforward: 64, generator: G(8));
        var bytes = RoundTrip(m, ExportCases.Tokens(8, 12, 50), tolerance: 1e-4, batches: [1, 4]);
        var ops = OpTypes(bytes);
        Assert.Contains("Gather", ops);
        Assert.Equal(5, ops.Count(o => o == "LayerNormalization"));
        Assert.Contains("Softmax", ops);
    }

    [Fact]
    public void Lstm()
    {
        var c = ExportCases.Layers["LSTMBidirectional2Layers"];
        var bytes = RoundTrip(c.Module(), c.Input, batches: [2, 5, 1]);
        Assert.Equal(2, OpTypes(bytes).Count(o => o == "LSTM"));
    }

    [Fact]
    public void GruBidirectionalTwoLayers()
    {
        var c = ExportCases.Layers["GRUBidirectional2Layers"];
        var bytes = RoundTrip(c.Module(), c.Input, batches: [2, 5, 1]);
        Assert.Equal(2, OpTypes(bytes).Count(o => o == "GRU"));
    }

    [Fact]
    public void TransformerEncoderLayer()
    {
        var m = new TransformerEncoderLayer(16, 4, dimFeedforward: 32, batchFirst: true, normFirst: true, activation: "gelu", generator: G(5));
        var bytes = RoundTrip(m, Randn(5, 6, 16));
        Assert.Contains("Softmax", OpTypes(bytes));
        Assert.Contains("LayerNormalization", OpTypes(bytes));
    }

    [Theory]
    [InlineData(GptPositions.Learned)]
    [InlineData(GptPositions.Rotary)]
    public void SmallGpt(GptPositions positions)
    {
        var m = new Gpt(new GptConfig(VocabSize: 17, BlockSize: 8, Layers: 2, Heads: 2, DModel: 8, Positions: positions), G(6));
        RoundTrip(m, ExportCases.Tokens(6, 5, 17), tolerance: 1e-4);
    }

    [Theory]
    [InlineData(13)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    [InlineData(19)]
    [InlineData(20)]
    [InlineData(21)]
    public void EveryOpsetFrom13To21(int opset)
    {
        var m = new Sequential(new Linear(6, 8, generator: G(1)), new LayerNorm(8), new GELU(), new Linear(8, 3, generator: G(2)), new LogSoftmax(-1));
        var bytes = RoundTrip(m, Randn(7, 4, 6), opset);
        var proto = Ember.Onnx.Protos.ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(opset, proto.OpsetImport.Single().Version);
        Assert.Equal(opset >= 17, OpTypes(bytes).Contains("LayerNormalization"));
        Assert.Equal(opset >= 20, OpTypes(bytes).Contains("Gelu"));
    }

    [Fact]
    public void NodesAreNamedAfterTheModuleTreeAndParametersKeepTheirNames()
    {
        var m = new Sequential(new BasicBlock(3, 4, generator: G(7)), new BasicBlock(4, 4, generator: G(8)));
        Warm(m, Randn(9, 3, 6, 6));
        var bytes = RoundTrip(m, Randn(8, 3, 6, 6));
        var graph = Ember.Onnx.Protos.ModelProto.Parser.ParseFrom(bytes).Graph;
        var names = graph.Node.Select(n => n.Name).ToArray();
        Assert.Contains("0.conv1/Conv", names);
        Assert.Contains("1.bn2/BatchNormalization", names);
        Assert.Contains("0.downsample.0/Conv", names);
        var initializers = graph.Initializer.Select(i => i.Name).ToHashSet();
        Assert.Contains("0.conv1.weight", initializers);
        Assert.Contains("1.bn2.running_var", initializers);
        Assert.Equal(names.Length, names.Distinct().Count());
    }

    [Fact]
    public void TheFirstAxisIsDynamicAndNamesCanBeChosen()
    {
        var m = new Sequential(new Linear(6, 3, generator: G(1)), new Sigmoid());
        using var x = Randn(1, 6)(2);
        var bytes = Ember.Onnx.OnnxExporter.ExportToBytes(m, x, 17, "pixels", "scores");
        var graph = Ember.Onnx.Protos.ModelProto.Parser.ParseFrom(bytes).Graph;
        Assert.Equal("pixels", graph.Input.Single().Name);
        Assert.Equal("scores", graph.Output.Single().Name);
        Assert.Equal("batch", graph.Input[0].Type.TensorType.Shape.Dim[0].DimParam);
        Assert.Equal(6, graph.Input[0].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.Equal("batch", graph.Output[0].Type.TensorType.Shape.Dim[0].DimParam);
    }

    [Fact]
    public void Float64ModelsExportInFloat64()
    {
        var m = new Float64Layer();
        RoundTrip(m, b => { using var x = Randn(3, 5)(b); return x.To(DType.Float64); }, tolerance: 1e-12);
    }

    sealed class Float64Layer : Module<Tensor, Tensor>
    {
        readonly Parameter weight, bias;
        public Float64Layer()
        {
            using var w = Tensor.Randn([2, 5], G(9));
            using var b = Tensor.Randn([2], G(10));
            weight = Param("weight", w.To(DType.Float64));
            bias = Param("bias", b.To(DType.Float64));
        }
        public override Tensor Forward(Tensor x)
        {
            using var h = Functional.Linear(x, weight, bias);
            using var t = h.Tanh();
            return t * 2.5 - 1;
        }
    }
}
