using Ember.NN;
using Ember.Onnx;
using Xunit;

namespace Ember.Tests.Onnx.Export;

/// <summary>What the exporter refuses, and how: bad arguments, ops without an export, forwards that do not generalise.</summary>
public class ExportErrorTests
{
    sealed class CumSumModel : Module<Tensor, Tensor>
    {
        readonly Linear fc = new(4, 4, generator: new Generator(1));
        public override Tensor Forward(Tensor x)
        {
            using var h = fc.Forward(x);
            return h.CumSum(1);
        }
    }

    /// <summary>Adds a tensor made with the sample's batch size: right on the sample, wrong on any other batch.</summary>
    sealed class BatchConstantModel : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor x)
        {
            using var bias = Tensor.Full([x.Shape[0], 4], 0.5f);
            using var y = x + bias;
            return y.Relu();
        }
    }

    /// <summary>Reads values out of the tensor: the exported graph would replay the sample's values.</summary>
    sealed class DataDependentModel : Module<Tensor, Tensor>
    {
        public override Tensor Forward(Tensor x)
        {
            float first = x.ToArray<float>()[0];
            return x * first;
        }
    }

    sealed class LstmByForward : Module<Tensor, Tensor>
    {
        readonly LSTM lstm = new(4, 3, generator: new Generator(6));
        public override Tensor Forward(Tensor x) => lstm.Forward(x);
    }

    sealed class LstmByCall : Module<Tensor, Tensor>
    {
        readonly LSTM lstm = new(4, 3, generator: new Generator(6));
        public override Tensor Forward(Tensor x)
        {
            using var h = lstm.Call(x);
            return h.Tanh();
        }
    }

    static Tensor Sample() => Tensor.Randn([3, 4], new Generator(2));

    [Theory]
    [InlineData(12)]
    [InlineData(22)]
    public void RejectsOpsetsOutsideTheSupportedRange(int opset)
    {
        using var x = Sample();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => OnnxExporter.ExportToBytes(new Linear(4, 2), x, opset));
        Assert.Contains($"OnnxExporter: opset {opset} is not supported; choose an opset from 13 to 21.", e.Message);
    }

    [Fact]
    public void RejectsAScalarSampleAndClashingNames()
    {
        using var s = Tensor.Scalar(1f);
        Assert.Contains("needs a first (batch) axis", Assert.Throws<ArgumentException>(() => OnnxExporter.ExportToBytes(new ReLU(), s)).Message);
        using var x = Sample();
        Assert.Contains("both named 'x'", Assert.Throws<ArgumentException>(() => OnnxExporter.ExportToBytes(new ReLU(), x, 17, "x", "x")).Message);
    }

    [Fact]
    public void NamesAnOpWithoutAnExport()
    {
        using var x = Sample();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new CumSumModel(), x));
        Assert.Equal("OnnxExporter: the forward uses the op CumSum (on a tensor of shape [3, 4]), which has no ONNX export; rewrite that part with exportable ops.", e.Message);
    }

    [Fact]
    public void ATensorBuiltFromTheSampleShapeIsCaughtOnAnotherBatchSize()
    {
        using var x = Sample();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new BatchConstantModel(), x));
        Assert.Contains("OnnxExporter: the exported graph of BatchConstantModel", e.Message);
        Assert.Contains("shape [4, 4]", e.Message);
        Assert.Contains("embedded as constants of shape [3, 4]", e.Message);
    }

    [Fact]
    public void AForwardThatReadsTheInputsValuesIsCaught()
    {
        using var x = Sample();
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new DataDependentModel(), x));
        Assert.Contains("disagrees with its forward", e.Message);
    }

    [Fact]
    public void WritesTheFileAndLeavesNoTemporaryBehind()
    {
        var dir = Directory.CreateTempSubdirectory("ember-export-").FullName;
        try
        {
            var path = Path.Combine(dir, "mlp.onnx");
            var m = new Sequential(new Linear(4, 3, generator: new Generator(3)), new ReLU());
            using var x = Sample();
            OnnxExporter.Export(m, x, path);
            Assert.Equal([path], Directory.GetFiles(dir));
            using var model = OnnxModel.Load(path);
            Assert.Equal(17, model.Opset);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AFailedExportLeavesAnExistingFileUntouched()
    {
        var dir = Directory.CreateTempSubdirectory("ember-export-").FullName;
        try
        {
            var path = Path.Combine(dir, "model.onnx");
            File.WriteAllText(path, "previous");
            using var x = Sample();
            Assert.Throws<NotSupportedException>(() => OnnxExporter.Export(new CumSumModel(), x, path));
            Assert.Equal("previous", File.ReadAllText(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void RestoresTheTrainingModeOfEveryModule()
    {
        var m = new Sequential(new Linear(4, 4, generator: new Generator(4)), new Dropout(0.5), new Sequential(new BatchNorm1d(4)));
        m.Train();
        ((Sequential)m[2]).Eval();
        using var x = Sample();
        OnnxExporter.ExportToBytes(m, x);
        Assert.True(m.Training);
        Assert.True(m[1].Training);
        Assert.False(m[2].Training);
    }

    [Fact]
    public void TracingStopsWhenTheExportFails()
    {
        using var x = Sample();
        Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new CumSumModel(), x));
        Assert.Null(Ember.Onnx.Export.OnnxTrace.Active);
        var m = new Linear(4, 2, generator: new Generator(5));
        using var a = m.Call(x);
        using var b = m.Forward(x);
        Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
    }

    [Fact]
    public void ALayerThatExportsAsAWholeMustBeCalledThroughCall()
    {
        using var x = Tensor.Randn([5, 2, 4], new Generator(7));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new LstmByForward(), x));
        Assert.Contains("the op LSTM", e.Message);
        Assert.Contains("called through Call(x)", e.Message);
        ExportHarness.RoundTrip(new LstmByCall(), b => Tensor.Randn([b, 2, 4], new Generator((ulong)b)));
    }

    [Fact]
    public void AnLstmWithProjectionNeedsTheBatchOnTheFirstAxis()
    {
        using var x = Tensor.Randn([3, 2, 4], new Generator(8));
        var e = Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new LSTM(4, 5, projSize: 3, generator: new Generator(9)), x));
        Assert.Equal("OnnxExporter: LSTM with projSize 3 exports unrolled over the sample's time steps, which needs batchFirst: true and a batched [N, T, I] input; " +
            "the input of shape [3, 2, 4] has its time steps on the first axis, which the exported graph keeps dynamic.", e.Message);
        using var unbatched = Tensor.Randn([3, 4], new Generator(10));
        Assert.Throws<NotSupportedException>(() => OnnxExporter.ExportToBytes(new LSTM(4, 5, batchFirst: true, projSize: 3, generator: new Generator(9)), unbatched));
    }

    [Fact]
    public void AnLstmWithProjectionIsUnrolledOverTheSampleSteps()
    {
        var c = ExportCases.Layers["LSTMProjectionBidirectional2Layers"];
        var bytes = ExportHarness.RoundTrip(c.Module(), c.Input, sampleBatch: 1, opset: 17, tolerance: 1e-5, 1, 3, 4);
        var ops = ExportHarness.OpTypes(bytes);
        Assert.DoesNotContain("LSTM", ops);
        // 2 layers × 2 directions × 3 steps, each ending with the projection.
        Assert.Equal(12, ops.Count(o => o == "Split"));
        // No Reshape or shape constant: the batch size is never written into the graph.
        Assert.DoesNotContain("Reshape", ops);
    }
}
