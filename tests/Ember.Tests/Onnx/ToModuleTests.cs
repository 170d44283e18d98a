using Ember.NN;
using Ember.Onnx;
using Ember.Onnx.Protos;
using Ember.Optim;
using Ember.Serialization;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;
using F = Ember.NN.Functional;

namespace Ember.Tests.Onnx;

/// <summary>
/// OnnxModel.ToModule: the imported graph as a trainable module. Two graphs written here — Gemm-Relu-Gemm
/// (with an integer shape constant) and Conv-BatchNorm-Relu-GlobalAveragePool-Gemm — in float for
/// outputs and training, in double for finite-difference gradient checks.
/// </summary>
public class ToModuleTests
{
    static TensorProto Init(string name, Tensor t, DType dtype)
    {
        using var c = t.To(dtype);
        return OnnxTensors.ToProto(c, name);
    }

    static TensorProto Weights(string name, Generator g, DType dtype, double scale, params int[] shape)
    {
        using var r = Tensor.Randn(shape, g);
        using var s = r * scale;
        return Init(name, s, dtype);
    }

    static AttributeProto Ints(string name, params long[] v)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(v);
        return a;
    }

    static int ElemType(DType d) => d == DType.Float64 ? OnnxDouble : OnnxFloat;

    /// <summary>y = Reshape(Gemm(Relu(Gemm(x, W1, b1)), W2, b2), [-1, 3]) with x [N, 4].</summary>
    internal static ModelProto Mlp(DType dtype, int seed = 1)
    {
        var g = new Generator((ulong)seed);
        var shape = new TensorProto { Name = "shape", DataType = OnnxInt64 };
        shape.Dims.Add(2);
        shape.Int64Data.AddRange([-1, 3]);
        return Model(Graph(
            [
                Node("Gemm", ["x", "fc1.weight", "fc1.bias"], ["h"], Int("transB", 1)),
                Node("Relu", ["h"], ["a"]),
                Node("Gemm", ["a", "fc2.weight", "fc2.bias"], ["z"], Int("transB", 1)),
                Node("Reshape", ["z", "shape"], ["y"]),
            ],
            [Value("x", ElemType(dtype), -1, 4)], [Value("y", ElemType(dtype), -1, 3)],
            [Weights("fc1.weight", g, dtype, 0.5, 8, 4), Weights("fc1.bias", g, dtype, 0.1, 8),
             Weights("fc2.weight", g, dtype, 0.5, 3, 8), Weights("fc2.bias", g, dtype, 0.1, 3), shape]), opset: 13);
    }

    /// <summary>Conv 3×3 (pad 1) → BatchNormalization → Relu → GlobalAveragePool → Flatten → Gemm, x [N, 2, 5, 5] → [N, 3].</summary>
    internal static ModelProto Cnn(DType dtype, int seed = 2)
    {
        var g = new Generator((ulong)seed);
        using var variance = Tensor.Rand([4], g);
        using var positive = variance + 0.5;
        return Model(Graph(
            [
                Node("Conv", ["x", "conv.weight", "conv.bias"], ["c"], Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3)),
                Node("BatchNormalization", ["c", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["b"]),
                Node("Relu", ["b"], ["r"]),
                Node("GlobalAveragePool", ["r"], ["p"]),
                Node("Flatten", ["p"], ["f"]),
                Node("Gemm", ["f", "fc.weight", "fc.bias"], ["y"], Int("transB", 1)),
            ],
            [Value("x", ElemType(dtype), -1, 2, 5, 5)], [Value("y", ElemType(dtype), -1, 3)],
            [Weights("conv.weight", g, dtype, 0.4, 4, 2, 3, 3), Weights("conv.bias", g, dtype, 0.1, 4),
             Weights("bn.weight", g, dtype, 0.3, 4), Weights("bn.bias", g, dtype, 0.1, 4),
             Weights("bn.running_mean", g, dtype, 0.1, 4), Init("bn.running_var", positive, dtype),
             Weights("fc.weight", g, dtype, 0.8, 3, 4), Weights("fc.bias", g, dtype, 0.1, 3)]), opset: 13);
    }

    static Tensor Input(DType dtype, int seed, params int[] shape)
    {
        using var x = Tensor.Randn(shape, new Generator((ulong)seed));
        return x.To(dtype);
    }

    public static TheoryData<string> Graphs => new() { "mlp", "cnn" };

    static ModelProto Build(string which, DType dtype) => which == "mlp" ? Mlp(dtype) : Cnn(dtype);
    static int[] InputShape(string which, int n) => which == "mlp" ? [n, 4] : [n, 2, 5, 5];

    [Theory, MemberData(nameof(Graphs))]
    public void TheModuleGivesTheSameOutputAsRun(string which)
    {
        using var model = OnnxModel.Load(Bytes(Build(which, DType.Float32)));
        var module = model.ToModule();
        using var x = Input(DType.Float32, 3, InputShape(which, 5));
        using var expected = model.Run(x);
        using var actual = module.Forward(x);
        Assert.True(actual.RequiresGrad, "the module's output should record autograd");
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ToArray<float>(), actual.ToArray<float>());
        // The dictionary form gives the same.
        var outputs = module.Forward(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = Assert.Single(outputs).Value;
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
    }

    [Fact]
    public void FloatInitializersAreParametersAndTheRestIsNot()
    {
        using var mlp = OnnxModel.Load(Bytes(Mlp(DType.Float32)));
        var m = mlp.ToModule();
        Assert.Equal(["fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias"], m.NamedParameters().Select(p => p.Name));
        Assert.Equal(8 * 4 + 8 + 3 * 8 + 3, m.ParameterCount);
        Assert.Equal(m.ParameterCount, mlp.ParameterCount);
        Assert.Equal("fc1_weight", m.RegisteredNames["fc1.weight"]);
        Assert.DoesNotContain("shape", m.StateDict().Keys);

        using var cnn = OnnxModel.Load(Bytes(Cnn(DType.Float32)));
        var c = cnn.ToModule();
        Assert.Equal(["bn_running_mean", "bn_running_var"], c.NamedBuffers().Select(b => b.Name));
        Assert.DoesNotContain(c.NamedParameters(), p => p.Name.StartsWith("bn_running", StringComparison.Ordinal));
        Assert.Equal(8, c.StateDict().Count);
    }

    [Theory, MemberData(nameof(Graphs))]
    public void GradientsOfALossMatchFiniteDifferences(string which)
    {
        using var model = OnnxModel.Load(Bytes(Build(which, DType.Float64)));
        var module = model.ToModule();
        using var x = Input(DType.Float64, 4, InputShape(which, 3));
        using var target = Input(DType.Float64, 5, 3, 3);
        x.RequiresGrad = true;
        var parameters = module.Parameters().ToArray();
        Assert.All(parameters, p => Assert.Equal(DType.Float64, p.DType));
        Assert.True(Autograd.GradCheck(_ =>
        {
            using var y = module.Forward(x);
            return F.MseLoss(y, target);
        }, [x, .. parameters]));
    }

    [Theory, MemberData(nameof(Graphs))]
    public void ItFineTunesWithAdam(string which)
    {
        using var model = OnnxModel.Load(Bytes(Build(which, DType.Float32)));
        var module = model.ToModule();
        module.Train();
        using var x = Input(DType.Float32, 6, InputShape(which, 16));
        using var targets = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => (long)(i % 3)).ToArray(), [16]);
        var opt = new Adam(module.Parameters(), lr: 0.05);
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
        Assert.True(losses[^1] < 0.6f * losses[0], $"the loss went from {losses[0]} to {losses[^1]}: {string.Join(", ", losses)}");
        // Every parameter moved.
        foreach (var (name, p) in module.NamedParameters())
            Assert.NotEqual(model.Initializers[model.Initializers.Keys.Single(k => module.RegisteredNames.GetValueOrDefault(k) == name)].ToArray<float>(), p.ToArray<float>());
    }

    [Fact]
    public void TheStateDictRoundTrips()
    {
        using var model = OnnxModel.Load(Bytes(Cnn(DType.Float32)));
        var trained = model.ToModule();
        using var x = Input(DType.Float32, 7, 4, 2, 5, 5);
        var opt = new Adam(trained.Parameters(), lr: 0.1);
        using (var y = trained.Forward(x))
        using (var loss = y.Sum())
            loss.Backward();
        opt.Step();

        string path = Path.Combine(Path.GetTempPath(), $"ember-onnx-module-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(path, trained.StateDict());
            var fresh = model.ToModule();
            using (var before = fresh.Forward(x))
            using (var after = trained.Forward(x))
                Assert.NotEqual(before.ToArray<float>(), after.ToArray<float>());
            var loaded = Safetensors.Load(path);
            fresh.LoadStateDict(loaded);
            foreach (var t in loaded.Values) t.Dispose();
            using var a = fresh.Forward(x);
            using var b = trained.Forward(x);
            Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
            Assert.Equal(trained.StateDict().Keys, fresh.StateDict().Keys);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void AMultiInputGraphRunsByNameAndPassesGradientsToEveryInput()
    {
        // y = MatMul(a + b, W), with a Float64 W.
        var g = new Generator(9);
        using var model = OnnxModel.Load(Bytes(Model(Graph(
            [Node("Add", ["a", "b"], ["s"]), Node("MatMul", ["s", "W"], ["y"])],
            [Value("a", OnnxDouble, -1, 3), Value("b", OnnxDouble, -1, 3)], [Value("y", OnnxDouble, -1, 2)],
            [Weights("W", g, DType.Float64, 1.0, 3, 2)]))));
        var module = model.ToModule();
        using var a = Input(DType.Float64, 10, 4, 3);
        using var b = Input(DType.Float64, 11, 4, 3);
        a.RequiresGrad = true;
        b.RequiresGrad = true;
        Assert.True(Autograd.GradCheck(_ =>
        {
            var outputs = module.Forward(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
            return outputs["y"];
        }, [a, b, .. module.Parameters()]));
        var e = Assert.Throws<ArgumentException>(() => module.Forward(a));
        Assert.Contains("one input", e.Message);
        var missing = Assert.Throws<ArgumentException>(() => module.Forward(new Dictionary<string, Tensor> { ["a"] = a }));
        Assert.Contains("'b' is missing", missing.Message);
    }

    [Fact]
    public void TheModuleOutlivesTheModelAndChecksItsInput()
    {
        OnnxModule module;
        using (var model = OnnxModel.Load(Bytes(Mlp(DType.Float32)))) module = model.ToModule();
        using var x = Input(DType.Float32, 8, 2, 4);
        using var y = module.Forward(x);
        Assert.Equal([2, 3], y.Shape);

        using var wrong = Input(DType.Float32, 8, 2, 5);
        var e = Assert.Throws<ArgumentException>(() => module.Forward(wrong));
        Assert.Contains("'x'", e.Message);
        Assert.Contains("[2, 5]", e.Message);
        var missing = Assert.Throws<ArgumentException>(() => module.Forward(new Dictionary<string, Tensor> { ["input"] = x }));
        Assert.Contains("no input 'input'", missing.Message);
    }
}
