using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Runs every case of fixtures/norm_pool.json (PyTorch 1.13, see fixtures/make_norm_pool_fixtures.py):
/// pooling, batch norm (with its updated running statistics) and layer norm, forward and backward,
/// and BatchNorm2d as a module over several training steps and one evaluation step.
/// </summary>
public class NormPoolFixtureTests
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("norm_pool.json"));

    public static TheoryData<string> ForwardCases => FixtureRunner.Names(cases.Value.Values);
    public static TheoryData<string> GradientCases => FixtureRunner.Names(cases.Value.Values.Where(c => c.HasGrads));

    static Tensor[] Run(FixtureCase c, Tensor[] x)
    {
        var p = c.Params;
        switch (c.Op)
        {
            case "MaxPool2d":
                return [x[0].MaxPool2d(p.Ints("kernelSize"), p.IntsOrNull("stride"), p.Ints("padding"), p.Ints("dilation"), p.Bool("ceilMode"))];
            case "MaxPool2dWithIndices":
            {
                var (v, i) = x[0].MaxPool2dWithIndices(p.Ints("kernelSize"), p.IntsOrNull("stride"), p.Ints("padding"), p.Ints("dilation"), p.Bool("ceilMode"));
                return [v, i];
            }
            case "MaxPool1d":
                return [x[0].MaxPool1d(p.Int("kernelSize"), p.IntOrNull("stride"), p.Int("padding"), p.Int("dilation"), p.Bool("ceilMode"))];
            case "AvgPool2d":
                return [x[0].AvgPool2d(p.Ints("kernelSize"), p.IntsOrNull("stride"), p.Ints("padding"), p.Bool("ceilMode"), p.Bool("countIncludePad"))];
            case "AdaptiveAvgPool2d":
                return [x[0].AdaptiveAvgPool2d(p.Ints("outputSize"))];
            case "AdaptiveMaxPool2d":
                return [x[0].AdaptiveMaxPool2d(p.Ints("outputSize"))];
            case "AdaptiveMaxPool2dWithIndices":
            {
                var (v, i) = x[0].AdaptiveMaxPool2dWithIndices(p.Ints("outputSize"));
                return [v, i];
            }
            case "BatchNorm":
            {
                int k = 1;
                Tensor? rm = null, rv = null, w = null, b = null;
                if (p.Bool("hasRunning")) { rm = x[k++]; rv = x[k++]; }
                if (p.Bool("hasWeight")) w = x[k++];
                if (p.Bool("hasBias")) b = x[k++];
                bool training = p.Bool("training");
                var y = Tensor.BatchNorm(x[0], rm, rv, w, b, training, p.Float("momentum"), p.Float("eps"));
                return training && rm is not null ? [y, rm, rv!] : [y];
            }
            case "LayerNorm":
            {
                int k = 1;
                var w = p.Bool("hasWeight") ? x[k++] : null;
                var b = p.Bool("hasBias") ? x[k++] : null;
                return [Tensor.LayerNorm(x[0], p.Ints("normalizedShape"), w, b, p.Float("eps"))];
            }
            case "GroupNorm":
            {
                bool affine = p.Bool("hasWeight");
                return [Tensor.GroupNorm(x[0], p.Int("numGroups"), affine ? x[1] : null, affine ? x[2] : null, p.Float("eps"))];
            }
            case "BatchNorm2dModule":
                return RunModule(c, x);
            default:
                throw new KeyNotFoundException($"norm_pool.json: no dispatch for op {c.Op}");
        }
    }

    /// <summary>The script's module steps: weight linspace(0.5, 1.5), bias linspace(−0.25, 0.25), train on all but the last input, then eval.</summary>
    static Tensor[] RunModule(FixtureCase c, Tensor[] x)
    {
        int ch = x[0].Shape[1];
        var m = new BatchNorm2d(ch, eps: c.Params.Float("eps"), momentum: c.Params.FloatOrNull("momentum"));
        m.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = Tensor.Linspace(0.5f, 1.5f, ch),
            ["bias"] = Tensor.Linspace(-0.25f, 0.25f, ch),
        }, strict: false);
        var outputs = new List<Tensor>();
        foreach (var t in x[..^1]) outputs.Add(m.Forward(t));
        m.Eval();
        outputs.Add(m.Forward(x[^1]));
        outputs.Add(m.RunningMean!);
        outputs.Add(m.RunningVar!);
        outputs.Add(m.NumBatchesTracked!);
        return outputs.ToArray();
    }

    [Fact]
    public void FixtureIsPresent() => Assert.NotEmpty(cases.Value);

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name) => FixtureRunner.Forward(cases.Value[name], Run);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name) => FixtureRunner.Gradient(cases.Value[name], Run);
}

/// <summary>The normalisation and pooling layers: PyTorch's state dict names, modes and shapes.</summary>
public class NormPoolModuleTests
{
    [Fact]
    public void BatchNorm2dStateDictHasPyTorchsNamesAndInitialValues()
    {
        var m = new BatchNorm2d(3);
        Assert.Equal(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"], m.StateDict().Keys.ToArray());
        Assert.Equal(["weight", "bias"], m.NamedParameters().Select(p => p.Name).ToArray());
        Assert.Equal(new float[] { 1, 1, 1 }, m.Weight!.ToArray<float>());
        Assert.Equal(new float[] { 0, 0, 0 }, m.RunningMean!.ToArray<float>());
        Assert.Equal(new float[] { 1, 1, 1 }, m.RunningVar!.ToArray<float>());
        Assert.Equal(DType.Int64, m.NumBatchesTracked!.DType);
        Assert.Empty(m.NumBatchesTracked.Shape);
    }

    [Fact]
    public void BatchNormWithoutAffineOrRunningStatsHasNoState()
    {
        var m = new BatchNorm1d(4, affine: false, trackRunningStats: false);
        Assert.Empty(m.StateDict());
        m.Eval();
        using var x = Tensor.Randn([5, 4]);
        using var y = m.Forward(x); // batch statistics even in evaluation
        Assert.All(y.Mean([0]).ToArray<float>(), v => Assert.True(Math.Abs(v) < 1e-5));
    }

    [Fact]
    public void BatchNormEvalLeavesRunningStatsAlone()
    {
        var m = new BatchNorm2d(2);
        using var x = Tensor.Randn([3, 2, 4, 4]);
        m.Forward(x).Dispose();
        var mean = m.RunningMean!.ToArray<float>();
        m.Eval();
        m.Forward(x).Dispose();
        Assert.Equal(mean, m.RunningMean.ToArray<float>());
        Assert.Equal(1L, m.NumBatchesTracked!.Item<long>());
    }

    [Fact]
    public void LayerNormAndPoolingLayers()
    {
        var gn = new GroupNorm(2, 4);
        Assert.Equal(["weight", "bias"], gn.StateDict().Keys.ToArray());
        Assert.Equal([3, 4, 5, 5], gn.Forward(Tensor.Randn([3, 4, 5, 5])).Shape);
        var ln = new LayerNorm([4, 5]);
        Assert.Equal(["weight", "bias"], ln.StateDict().Keys.ToArray());
        Assert.Equal([2, 3, 4, 5], ln.Forward(Tensor.Randn([2, 3, 4, 5])).Shape);
        using var img = Tensor.Randn([2, 3, 9, 9]);
        Assert.Equal([2, 3, 4, 4], new MaxPool2d(2).Forward(img).Shape);
        Assert.Equal([2, 3, 5, 3], new MaxPool2d((3, 3), stride: (2, 3), padding: (1, 1)).Forward(img).Shape);
        Assert.Equal([2, 3, 5, 5], new AvgPool2d(3, 2, 1, ceilMode: true).Forward(img).Shape);
        Assert.Equal([2, 3, 1, 1], new AdaptiveAvgPool2d(1).Forward(img).Shape);
        Assert.Equal([2, 3, 2, 3], new AdaptiveMaxPool2d((2, 3)).Forward(img).Shape);
        Assert.Equal([2, 3, 4], new MaxPool1d(2).Forward(Tensor.Randn([2, 3, 9])).Shape);
    }

    [Fact]
    public void ErrorsNameTheOpAndShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Randn([2, 3]).MaxPool2d([2]));
        Assert.Contains("MaxPool2d", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Randn([1, 1, 2, 2]).MaxPool2d([3]));
        Assert.Contains("too small", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Randn([1, 1, 4, 4]).AvgPool2d([2], padding: [2]));
        Assert.Contains("half the kernel size", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.BatchNorm(Tensor.Randn([1, 3]), null, null, null, null, training: true));
        Assert.Contains("more than 1 value per channel", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.LayerNorm(Tensor.Randn([2, 3]), [4], null, null));
        Assert.Contains("LayerNorm", e.Message);
    }
}
