using Ember.NN;
using Ember.Onnx;
using Xunit;

namespace Ember.Tests.Onnx.Export;

/// <summary>Exports a module, imports the file with OnnxModel and compares it with the module's forward at several batch sizes.</summary>
internal static class ExportHarness
{
    public static byte[] RoundTrip(Module<Tensor, Tensor> module, Func<int, Tensor> input, int opset = 17, double tolerance = 1e-5, params int[] batches)
        => RoundTrip(module, input, sampleBatch: 2, opset, tolerance, batches);

    public static byte[] RoundTrip(Module<Tensor, Tensor> module, Func<int, Tensor> input, int sampleBatch, int opset, double tolerance, params int[] batches)
    {
        module.Eval();
        using var sample = input(sampleBatch);
        var bytes = OnnxExporter.ExportToBytes(module, sample, opset);
        using var model = OnnxModel.Load(bytes);
        Assert.Equal(["input"], model.InputNames);
        Assert.Equal(["output"], model.OutputNames);
        foreach (int b in batches.Length == 0 ? [2, 5] : batches)
        {
            using var x = input(b);
            using var expected = Forward(module, x);
            var outputs = model.Run(new Dictionary<string, Tensor> { ["input"] = x });
            using var actual = outputs["output"];
            AssertClose(expected, actual, tolerance);
        }
        return bytes;
    }

    public static Tensor Forward(Module<Tensor, Tensor> module, Tensor x)
    {
        using (Autograd.NoGrad()) return module.Forward(x);
    }

    public static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        using var e = expected.To(DType.Float64);
        using var a = actual.To(DType.Float64);
        var ev = e.ToArray<double>();
        var av = a.ToArray<double>();
        for (int i = 0; i < ev.Length; i++)
            Assert.True(Math.Abs(ev[i] - av[i]) <= tolerance * Math.Max(1, Math.Abs(ev[i])), $"element {i}: expected {ev[i]}, got {av[i]}");
    }

    /// <summary>Seeded standard-normal inputs of shape [batch, ..rest].</summary>
    public static Func<int, Tensor> Randn(int seed, params int[] rest)
        => b => Tensor.Randn([b, .. rest], new Generator((ulong)(seed * 1000 + b)));

    /// <summary>The op types of an exported model, in order.</summary>
    public static string[] OpTypes(byte[] bytes)
        => Ember.Onnx.Protos.ModelProto.Parser.ParseFrom(bytes).Graph.Node.Select(n => n.OpType).ToArray();
}
