using System.Text.Json;
using Ember.Cli.Models;
using Ember.Models;
using Ember.NN;
using Ember.Optim;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>
/// Module.To(dtype), Double() and Float(): which tensors change dtype, that values and structure survive, and
/// finite-difference checks (Float64) of whole models converted with To: gradients with respect to the
/// input and to the parameters, through batch norm in training mode, recurrence and attention.
/// </summary>
public class ModuleConversionTests
{
    static Sequential Mlp(ulong seed = 1)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(4, 6, generator: g), new Tanh(), new Linear(6, 3, generator: g));
    }

    static Sequential CnnWithBatchNorm()
    {
        var g = new Generator(3);
        return new Sequential(
            new Conv2d(2, 3, 3, padding: 1, generator: g), new BatchNorm2d(3), new ReLU(), new MaxPool2d(2),
            new Flatten(), new Linear(3 * 2 * 2, 4, generator: g));
    }

    /// <summary>Seeded Float64 values in [-1, 1), as a leaf that requires grad.</summary>
    static Tensor Input(int[] shape, ulong seed)
    {
        using var u = Tensor.Rand(shape, new Generator(seed));
        using var d = u.To(DType.Float64);
        var x = d * 2.0f - 1.0f;
        x.RequiresGrad = true;
        return x;
    }

    static void AssertAllFloat64(Module m)
    {
        Assert.All(m.NamedParameters(), p => Assert.Equal(DType.Float64, p.Parameter.DType));
        foreach (var (name, b) in m.NamedBuffers())
            Assert.Equal(name.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? DType.Int64 : DType.Float64, b.DType);
    }

    // ---- what changes and what stays ----

    [Fact]
    public void DoubleConvertsParametersAndFloatBuffersButNotIntegerBuffers()
    {
        var model = SmallCnn.Create(new Generator(0), new Generator(0));
        var before = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.DType);
        Assert.Contains(before, kv => kv.Value == DType.Int64);

        var same = model.Double();

        Assert.Same(model, same);
        AssertAllFloat64(model);
        Assert.Equal(before.Keys, model.StateDict().Keys);
        foreach (var (k, v) in model.StateDict())
            Assert.Equal(before[k] == DType.Int64 ? DType.Int64 : DType.Float64, v.DType);
    }

    [Fact]
    public void ValuesSurviveARoundTripExactly()
    {
        var model = SmallCnn.Create(new Generator(5), new Generator(0));
        using (var x = Tensor.Randn([4, 1, 28, 28], new Generator(6))) using (model.Forward(x)) { } // running statistics move away from 0 and 1
        var before = model.StateDict().Where(kv => kv.Value.DType == DType.Float32).ToDictionary(kv => kv.Key, kv => kv.Value.ToArray<float>());

        model.To(DType.Float64);
        foreach (var (k, v) in before)
            Assert.Equal(v.Select(f => (double)f).ToArray(), model.StateDict()[k].ToArray<double>());

        model.Float();
        foreach (var (k, v) in before)
            Assert.Equal(v, model.StateDict()[k].ToArray<float>());
    }

    [Fact]
    public void LayersUseTheConvertedParametersAndTheOldOnesAreFreed()
    {
        var model = Mlp();
        var linear = (Linear)model[0];
        var oldWeight = linear.Weight;

        model.Double();

        Assert.NotSame(oldWeight, linear.Weight);
        Assert.True(oldWeight.IsDisposed);
        Assert.Same(linear.Weight, model.NamedParameters().Single(p => p.Name == "0.weight").Parameter);
        Assert.Same(linear.Weight, model.StateDict()["0.weight"]);
        Assert.Equal(DType.Float64, linear.Weight.DType);
    }

    [Fact]
    public void TiedWeightsStayTiedAndFlagsAndGradientsCarryOver()
    {
        var net = new Net();
        net.Norm.RequiresGrad(false);
        using var x = Tensor.Randn([2, 5], new Generator(2));
        using (var y = net.OutProj.Forward(x)) using (var s = y.Sum()) s.Backward();
        var grad = net.OutProj.Weight.Grad!.ToArray<float>();

        net.Double();

        var tied = net.NamedChildren().Single(c => c.Name == "tied").Module;
        Assert.Same(net.OutProj, tied);
        Assert.Equal(net.Parameters().Count(), net.Parameters().Distinct().Count());
        Assert.All(net.Norm.Parameters(), p => Assert.False(p.RequiresGrad));
        Assert.True(net.OutProj.Weight.RequiresGrad);
        Assert.Equal(DType.Float64, net.OutProj.Weight.Grad!.DType);
        Assert.Equal(grad.Select(f => (double)f).ToArray(), net.OutProj.Weight.Grad.ToArray<double>());
        AssertAllFloat64(net);
    }

    [Fact]
    public void ConvertingToTheSameDTypeKeepsEveryTensor()
    {
        var model = Mlp();
        var before = model.Parameters().ToArray();
        model.Float();
        var after = model.Parameters().ToArray();
        for (int i = 0; i < before.Length; i++) Assert.Same(before[i], after[i]);
        Assert.All(before, p => Assert.False(p.IsDisposed));
    }

    [Fact]
    public void ANonFloatingDTypeIsRefusedBeforeAnythingChanges()
    {
        var model = Mlp();
        var e = Assert.Throws<ArgumentException>(() => model.To(DType.Int64));
        Assert.Contains("Module.To", e.Message);
        Assert.Contains("Int64", e.Message);
        Assert.All(model.Parameters(), p => Assert.Equal(DType.Float32, p.DType));
    }

    [Fact]
    public void AnLstmsPerLayerWeightsAreConvertedWhereItReadsThem()
    {
        var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true, generator: new Generator(4)).Double();
        using var x = Input([5, 2, 3], 9);
        using var y = lstm.Forward(x);
        Assert.Equal(DType.Float64, y.DType);
        Assert.Equal([5, 2, 8], y.Shape);
    }

    // ---- against PyTorch's module.double() ----

    sealed record TorchCase(string Name, bool Training, (string Key, string DType)[] DTypes, FixtureTensor Input, FixtureTensor Logits,
        FixtureTensor InputGrad, string Weight, FixtureTensor WeightGrad);

    static readonly Lazy<Dictionary<string, TorchCase>> TorchCases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "module_conversion.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new TorchCase(
            c.GetProperty("name").GetString()!,
            c.GetProperty("training").GetBoolean(),
            c.GetProperty("dtypes").EnumerateArray().Select(d => (d[0].GetString()!, d[1].GetString()!)).ToArray(),
            FixtureTensor.Parse(c.GetProperty("input")),
            FixtureTensor.Parse(c.GetProperty("logits")),
            FixtureTensor.Parse(c.GetProperty("input_grad")),
            c.GetProperty("weight").GetString()!,
            FixtureTensor.Parse(c.GetProperty("weight_grad")))).ToDictionary(c => c.Name);
    });

    /// <summary>make_cli_model_fixtures.fill(), shared with the CLI model tests.</summary>
    static void Fill(Module model, List<string> order) => Ember.Tests.Cli.CliModelTests.Fill(model, order);

    static void AssertClose(FixtureTensor expected, Tensor actual, string what)
    {
        Assert.Equal(DType.Float64, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        var a = actual.ToArray<double>();
        double scale = expected.Values.Max(Math.Abs);
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - expected.Values[i]) <= 1e-9 * scale + 1e-9 * Math.Abs(expected.Values[i]),
                $"{what}: element {i} is {a[i]:R}, PyTorch gives {expected.Values[i]:R}");
    }

    public static TheoryData<string> TorchModels => ["cnn", "resnet"];

    [Theory]
    [MemberData(nameof(TorchModels))]
    public void DoubleMatchesPyTorchsDtypesLogitsAndGradients(string name)
    {
        var c = TorchCases.Value[name];
        var model = ModelZoo.Get(name).Create(new Generator(0), new Generator(0));
        Fill(model, c.DTypes.Select(d => d.Key).ToList());
        model.Double();
        model.Train(c.Training);

        var state = model.StateDict();
        Assert.Equal(c.DTypes.Select(d => d.Key), state.Keys);
        foreach (var (key, dtype) in c.DTypes) Assert.Equal(dtype, state[key].DType.TorchName());

        using var x = c.Input.ToTensor();
        x.RequiresGrad = true;
        using var y = model.Forward(x);
        var v = Enumerable.Range(0, (int)y.NumElements).Select(i => (double)(float)Math.Cos(0.3 * i)).ToArray(); // the script rounds v to float32
        using var projection = Tensor.FromArray(v, y.Shape);
        using (var product = y * projection) using (var total = product.Sum()) total.Backward();

        AssertClose(c.Logits, y, $"{name} logits");
        AssertClose(c.InputGrad, x.Grad!, $"{name} input gradient");
        AssertClose(c.WeightGrad, model.NamedParameters().Single(p => p.Name == c.Weight).Parameter.Grad!, $"{name} gradient of {c.Weight}");
    }

    // ---- forward and training in Float64 ----

    [Fact]
    public void AFloat64ForwardAgreesWithTheFloat32One()
    {
        var model = SmallCnn.Create(new Generator(8), new Generator(0));
        model.Eval();
        using var x = Tensor.Randn([3, 1, 28, 28], new Generator(9));
        var expected = model.Forward(x).ToArray<float>();

        model.Double();
        using var xd = x.To(DType.Float64);
        using var y = model.Forward(xd);

        Assert.Equal(DType.Float64, y.DType);
        var actual = y.ToArray<double>();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-4);
    }

    [Fact]
    public void AnOptimizerBuiltAfterConversionTrainsInFloat64()
    {
        var model = Mlp().Double();
        var optimizer = new Adam(model.Parameters(), 0.05);
        using var x = Input([8, 4], 10);
        using var t = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 }, 8);
        double first = 0, last = 0;
        for (int step = 0; step < 20; step++)
        {
            optimizer.ZeroGrad();
            using var y = model.Forward(x);
            using var loss = F.CrossEntropy(y, t);
            loss.Backward();
            optimizer.Step();
            (step == 0 ? ref first : ref last) = loss.Item<double>();
        }
        Assert.True(last < first, $"loss went from {first} to {last}");
        AssertAllFloat64(model);
    }

    [Fact]
    public void AnOptimizerBuiltBeforeConversionFailsLoudly()
    {
        var model = Mlp();
        var optimizer = new Adam(model.Parameters(), 0.05);
        model.Double();
        var error = Assert.Throws<ObjectDisposedException>(() => optimizer.Step());
        Assert.Contains("Adam", error.Message);
        Assert.Contains("disposed", error.Message);
    }

    // ---- gradient checks of whole converted models ----

    /// <summary>Autograd.GradCheck of the model's output with respect to the input and the given parameters, perturbed in place.</summary>
    static void GradCheckModel(Module<Tensor, Tensor> model, Tensor x, IEnumerable<Parameter> parameters, Action? beforeForward = null)
    {
        Tensor[] inputs = [x, .. parameters];
        Assert.All(inputs, t => Assert.Equal(DType.Float64, t.DType));
        Assert.True(Autograd.GradCheck(xs =>
        {
            beforeForward?.Invoke();
            return model.Forward(xs[0]);
        }, inputs, atol: 1e-6, rtol: 1e-4));
    }

    /// <summary>
    /// The whole gradient at once, for models too large to perturb element by element: the derivative along a
    /// random direction of every parameter and the input at the same time, against central differences.
    /// </summary>
    static void DirectionalCheck(Module<Tensor, Tensor> model, Tensor x, Action? beforeForward = null, double eps = 1e-6)
    {
        Tensor[] leaves = [x, .. model.Parameters()];
        var directions = leaves.Select((t, i) =>
        {
            using var d = Tensor.Randn(t.Shape, new Generator(100 + (ulong)i));
            return d.To(DType.Float64).ToArray<double>();
        }).ToArray();
        using var v32 = Tensor.Randn(OutputShape(model, x, beforeForward), new Generator(99));
        using var v = v32.To(DType.Float64);

        double Projected()
        {
            beforeForward?.Invoke();
            using var y = model.Forward(x);
            using var p = y * v;
            using var s = p.Sum();
            return s.Item<double>();
        }

        double analytical = 0;
        beforeForward?.Invoke();
        using (var y = model.Forward(x))
        using (var p = y * v)
        using (var s = p.Sum())
        {
            var grads = Autograd.Grad([s], leaves);
            for (int i = 0; i < leaves.Length; i++)
            {
                var g = grads[i]!.ToArray<double>();
                grads[i]!.Dispose();
                for (int j = 0; j < g.Length; j++) analytical += g[j] * directions[i][j];
            }
        }

        void Shift(double by)
        {
            for (int i = 0; i < leaves.Length; i++)
            {
                var data = leaves[i].Span<double>();
                for (int j = 0; j < data.Length; j++) data[j] += by * directions[i][j];
            }
        }

        double plus, minus;
        using (Autograd.NoGrad())
        {
            Shift(eps); plus = Projected();
            Shift(-2 * eps); minus = Projected();
            Shift(eps);
        }
        double numeric = (plus - minus) / (2 * eps);
        Assert.True(Math.Abs(numeric - analytical) <= 1e-6 + 1e-4 * Math.Abs(numeric),
            $"directional derivative: analytical {analytical:G12}, finite differences {numeric:G12}");
    }

    static int[] OutputShape(Module<Tensor, Tensor> model, Tensor x, Action? beforeForward)
    {
        using var _ = Autograd.NoGrad();
        beforeForward?.Invoke();
        using var y = model.Forward(x);
        return y.Shape;
    }

    [Fact]
    public void GradCheckMlp()
    {
        var model = Mlp().To(DType.Float64);
        using var x = Input([3, 4], 11);
        GradCheckModel(model, x, model.Parameters());
    }

    [Fact]
    public void GradCheckCnnWithBatchNormInTrainingMode()
    {
        var model = CnnWithBatchNorm().Double();
        model.Train();
        using var x = Input([3, 2, 5, 5], 12);
        GradCheckModel(model, x, model.Parameters());
    }

    [Fact]
    public void GradCheckBasicBlockWithDownsample()
    {
        var block = new BasicBlock(2, 4, stride: 2, generator: new Generator(13)).Double();
        block.Train();
        using var x = Input([2, 2, 6, 6], 14);
        GradCheckModel(block, x, block.Parameters());
    }

    [Fact]
    public void GradCheckLstm()
    {
        var lstm = new LSTM(3, 4, numLayers: 2, generator: new Generator(15)).Double();
        using var x = Input([5, 2, 3], 16);
        GradCheckModel(lstm, x, lstm.Parameters());
    }

    [Fact]
    public void GradCheckTransformerEncoderLayer()
    {
        var layer = new TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0, generator: new Generator(17)).Double();
        using var x = Input([4, 2, 8], 18);
        GradCheckModel(layer, x, layer.Parameters());
    }

    [Fact]
    public void GradCheckTheCliSmallResNet()
    {
        var model = new SmallResNet(new Generator(19)).Double();
        model.Train();
        using var x = Input([2, 1, 8, 8], 20);
        // Element by element: the input and the parameters small enough to perturb one at a time; then all at once.
        GradCheckModel(model, x, model.Parameters().Where(p => p.NumElements <= 300));
        DirectionalCheck(model, x);
    }

    [Fact]
    public void GradCheckTheCliSmallCnnWithItsDropout()
    {
        var dropout = new Generator(21);
        var model = SmallCnn.Create(new Generator(22), dropout).Double();
        model.Train();
        var start = dropout.GetState();
        void SameMask() => dropout.SetState(start); // every evaluation draws the same dropout mask
        using var x = Input([2, 1, 28, 28], 23);
        x.RequiresGrad = false;
        GradCheckModel(model, x, model.Parameters().Where(p => p.NumElements <= 300), SameMask);
        x.RequiresGrad = true;
        DirectionalCheck(model, x, SameMask);
    }
}
