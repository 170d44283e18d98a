using Ember.NN;
using Ember.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit;

namespace Ember.OnnxRuntime.Tests;

/// <summary>Exports a module with Ember and runs the file in ONNX Runtime, against the module's own forward.</summary>
internal static class OrtHarness
{
    public static void Check(Module<Tensor, Tensor> module, Func<int, Tensor> input, int opset = 17, double tolerance = 1e-4, params int[] batches)
    {
        module.Eval();
        var path = Path.Combine(Path.GetTempPath(), $"ember-ort-{Guid.NewGuid():N}.onnx");
        try
        {
            using (var sample = input(2)) OnnxExporter.Export(module, sample, path, opset);
            using var session = new InferenceSession(path);
            foreach (int b in batches.Length == 0 ? [2, 5] : batches)
            {
                using var x = input(b);
                using var expected = Forward(module, x);
                using var results = session.Run([ToOrt("input", x)]);
                var actual = results.Single(r => r.Name == "output");
                var tensor = actual.AsTensor<float>();
                Assert.Equal(expected.Shape, tensor.Dimensions.ToArray());
                var ev = expected.ToArray<float>();
                var av = tensor.ToArray();
                for (int i = 0; i < ev.Length; i++)
                    Assert.True(Math.Abs(ev[i] - av[i]) <= tolerance * Math.Max(1, Math.Abs(ev[i])), $"batch {b}, element {i}: Ember {ev[i]}, ONNX Runtime {av[i]}");
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    static Tensor Forward(Module<Tensor, Tensor> module, Tensor x)
    {
        using (Autograd.NoGrad()) return module.Forward(x);
    }

    static NamedOnnxValue ToOrt(string name, Tensor x) => x.DType switch
    {
        DType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(x.ToArray<float>(), x.Shape)),
        DType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(x.ToArray<long>(), x.Shape)),
        _ => throw new ArgumentException($"OrtHarness: inputs of dtype {x.DType} are not set up."),
    };

    public static Func<int, Tensor> Randn(int seed, params int[] rest)
        => b => Tensor.Randn([b, .. rest], new Generator((ulong)(seed * 1000 + b)));

    public static Generator G(ulong seed) => new(seed);
}
