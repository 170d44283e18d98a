using Ember.Onnx;
using Ember.Onnx.Testing;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Onnx;

/// <summary>
/// Models exported by PyTorch 1.13's torch.onnx.export at opsets 13 and 17 (fixtures/torch_onnx, made by
/// make_torch_onnx_models.py): a CNN with batch norm, ResNet-18 at width 8, a 2-layer BERT-style encoder,
/// an LSTM and a GRU. Ember reproduces PyTorch's outputs, and the CNN fine-tunes as a module.
/// </summary>
public class TorchExportTests
{
    const double Rtol = 1e-4, Atol = 1e-5;

    static string Root => Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_onnx");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var model in new[] { "cnn", "resnet18_w8", "bert_tiny", "lstm", "gru" })
            foreach (var opset in new[] { 13, 17 })
                data.Add($"{model}_opset{opset}");
        return data;
    }

    [Theory, MemberData(nameof(Cases))]
    public void EmberReproducesPyTorchsOutputs(string name)
    {
        string dir = Path.Combine(Root, name);
        Assert.True(File.Exists(Path.Combine(dir, "model.onnx")), $"the fixture {dir} is missing; run make_torch_onnx_models.py");
        var result = OnnxBackendTestRunner.Run(dir, Rtol, Atol);
        Assert.Equal(1, result.DataSets);
        Assert.True(result.Passed, result.Failure);
    }

    [Theory, MemberData(nameof(Cases))]
    public void AsAModuleItGivesTheSameOutputs(string name)
    {
        string dir = Path.Combine(Root, name);
        using var model = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
        var module = model.ToModule();
        using var input = OnnxBackendTestRunner.ReadTensor(Path.Combine(dir, "test_data_set_0", "input_0.pb"));
        var inputs = new Dictionary<string, Tensor> { [model.InputNames[0]] = input };
        var expected = model.Run(inputs);
        var actual = module.Forward(inputs);
        try
        {
            Assert.Equal(model.OutputNames, actual.Keys);
            foreach (var o in model.OutputNames)
                Assert.Null(OnnxBackendTestRunner.Compare(actual[o], expected[o], Rtol, Atol));
            // Float weights became parameters; the first output depends on them.
            Assert.True(module.ParameterCount + module.Buffers().Sum(b => b.NumElements) == model.ParameterCount);
            Assert.True(actual[model.OutputNames[0]].RequiresGrad);
        }
        finally
        {
            foreach (var t in expected.Values.Concat(actual.Values)) t.Dispose();
        }
    }

    [Fact]
    public void TheExportedCnnFineTunes()
    {
        using var model = OnnxModel.Load(Path.Combine(Root, "cnn_opset17", "model.onnx"));
        var module = model.ToModule();
        // The batch axis is dynamic; train on a bigger fixed batch than the exported sample.
        using var x = Tensor.Randn([16, 3, 16, 16], new Generator(11));
        using var targets = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (long)(i % 5)).ToArray(), [16]);
        var opt = new Ember.Optim.Adam(module.Parameters(), lr: 0.05);
        var losses = new List<float>();
        for (int step = 0; step < 20; step++)
        {
            opt.ZeroGrad();
            using var logits = module.Forward(x);
            using var loss = F.CrossEntropy(logits, targets);
            losses.Add(loss.Item<float>());
            loss.Backward();
            opt.Step();
        }
        Assert.True(losses[^1] < 0.5f * losses[0], $"the loss went from {losses[0]} to {losses[^1]}: {string.Join(", ", losses)}");
    }
}
