using Ember.NN;
using Ember.Serialization;
using Xunit;
using static Ember.Tests.Serialization.SafetensorsTestFiles;

namespace Ember.Tests.Serialization;

/// <summary>
/// Module.Save and Module.Load: a CNN trained in PyTorch (fixtures/safetensors/cnn_state.safetensors) loads
/// into the same architecture built in Ember and gives PyTorch's eval-mode output; Ember saves the same bytes.
/// </summary>
public sealed class ModulePersistenceTests : IDisposable
{
    readonly SafetensorsTestFiles files = new();
    public void Dispose() => files.Dispose();

    /// <summary>The model of make_safetensors_fixtures.py's cnn(), with different (seeded) initial values.</summary>
    static Sequential Cnn(int seed)
    {
        var g = new Generator((ulong)seed);
        return new Sequential(
            new Conv2d(1, 4, 3, padding: 1, generator: g), new BatchNorm2d(4), new ReLU(), new MaxPool2d(2),
            new Conv2d(4, 8, 3, generator: g), new BatchNorm2d(8), new ReLU(), new Flatten(), new Linear(8 * 4 * 4, 10, generator: g));
    }

    static Tensor Output(Sequential model, Tensor input)
    {
        model.Eval();
        using (Autograd.NoGrad()) return model.Forward(input);
    }

    static bool Close(Tensor a, Tensor b, double tol)
    {
        var x = a.ToArray<float>();
        var y = b.ToArray<float>();
        return x.Length == y.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) <= tol * (1 + Math.Abs(p.Second)));
    }

    [Fact]
    public void PyTorchModelLoadsAndGivesPyTorchsOutput()
    {
        var io = Safetensors.Load(Fixture("cnn_io.safetensors"));
        try
        {
            var model = Cnn(1);
            using (var before = Output(model, io["input"]))
                Assert.False(Close(before, io["output"], 1e-3), "the test must be able to fail: an unloaded model should differ");
            model.Load(Fixture("cnn_state.safetensors"));
            using var y = Output(model, io["input"]);
            Assert.Equal([2, 10], y.Shape);
            Assert.True(Close(y, io["output"], 1e-5),
                $"output differs from PyTorch's: {string.Join(", ", y.ToArray<float>().Take(5))} vs {string.Join(", ", io["output"].ToArray<float>().Take(5))}");
            var bn = (BatchNorm2d)model[5];
            Assert.Equal(7L, bn.NumBatchesTracked!.Item<long>());
        }
        finally { DisposeAll(io); }
    }

    [Fact]
    public void SavedStateIsByteIdenticalToPyTorchs()
    {
        var model = Cnn(2);
        model.Load(Fixture("cnn_state.safetensors"));
        var path = files.Path("cnn.safetensors");
        Safetensors.Save(path, model.StateDict(), new Dictionary<string, string> { ["format"] = "pt" });
        Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(File.ReadAllBytes(Fixture("cnn_state.safetensors"))));
    }

    [Fact]
    public void SaveThenLoadReproducesTheModel()
    {
        var path = files.Path("model.safetensors");
        var a = Cnn(3);
        a.Save(path);
        var b = Cnn(4);
        using var x = Tensor.Randn([3, 1, 12, 12], new Generator(5));
        using var ya = Output(a, x);
        using (var yb = Output(b, x)) Assert.False(Close(ya, yb, 1e-5), "differently seeded models should differ");
        b.Load(path);
        using var yb2 = Output(b, x);
        Assert.Equal(ya.ToArray<float>(), yb2.ToArray<float>());
        Assert.Equal(a.StateDict().Keys.Order(StringComparer.Ordinal), Safetensors.ReadHeader(path).Select(t => t.Name).Order(StringComparer.Ordinal));
        // Loading copied the values: the module does not keep the file mapped.
        Assert.All(b.StateDict().Values, t => Assert.False(t.storage.IsExternal));
    }

    [Fact]
    public void LoadIntoADifferentArchitectureFailsClearly()
    {
        var path = files.Path("linear.safetensors");
        new Linear(3, 2, generator: new Generator(1)).Save(path);
        var e = Assert.Throws<ArgumentException>(() => Cnn(1).Load(path));
        Assert.Contains("LoadStateDict", e.Message);
        var wrongShape = new Linear(4, 2, generator: new Generator(1));
        Assert.Throws<ArgumentException>(() => wrongShape.Load(path));
    }
}
