using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// torch.nn.init: gains and fans exactly as PyTorch computes them (fixtures/nn.json "init"), the
/// distributions' statistics on large tensors, orthogonality, and every layer's default initialisation.
/// </summary>
public class InitTests
{
    static double[] Values(Tensor t) => FixtureAssert.Values(t);
    static double Mean(double[] v) => v.Average();
    static double Std(double[] v) { double m = v.Average(); return Math.Sqrt(v.Sum(x => (x - m) * (x - m)) / (v.Length - 1)); }

    [Fact]
    public void CalculateGainMatchesPyTorch()
    {
        int n = 0;
        foreach (var row in NNFixtures.Section("init").GetProperty("gains").EnumerateArray())
        {
            var name = row[0].GetString()!;
            double? param = row[1].ValueKind == System.Text.Json.JsonValueKind.Null ? null : row[1].GetDouble();
            double expected = row[2].GetDouble();
            Assert.Equal(expected, Init.CalculateGain(name, param), 14);
            n++;
        }
        Assert.True(n >= 12);
        Assert.Equal(Init.CalculateGain("leaky_relu", 0.2), Init.CalculateGain(Nonlinearity.LeakyRelu, 0.2));
        var e = Assert.Throws<ArgumentException>(() => Init.CalculateGain("swish"));
        Assert.Contains("'swish'", e.Message);
    }

    [Fact]
    public void FansMatchPyTorch()
    {
        foreach (var row in NNFixtures.Section("init").GetProperty("fans").EnumerateArray())
        {
            var shape = NNFixtures.Ints(row[0]);
            Assert.Equal((row[1].GetInt32(), row[2].GetInt32()), Init.FanInAndFanOut(shape));
        }
        var e = Assert.Throws<ArgumentException>(() => Init.FanInAndFanOut([5]));
        Assert.Contains("fewer than 2 dimensions", e.Message);
    }

    /// <summary>Ember's equivalent of each layer the fixture describes.</summary>
    static Module MakeLayer(string name, Generator g) => name switch
    {
        "Linear(64, 48)" => new Linear(64, 48, generator: g),
        "Conv1d(6, 8, 5, groups=2)" => new Conv1d(6, 8, 5, groups: 2, generator: g),
        "Conv2d(6, 12, 3, groups=3)" => new Conv2d(6, 12, 3, groups: 3, generator: g),
        "ConvTranspose2d(6, 12, 3, groups=3)" => new ConvTranspose2d(6, 12, 3, groups: 3, generator: g),
        "Bilinear(20, 10, 30)" => new Bilinear(20, 10, 30, generator: g),
        "Embedding(100, 64)" => new Embedding(100, 64, generator: g),
        "BatchNorm1d(5)" => new BatchNorm1d(5),
        "BatchNorm2d(3)" => new BatchNorm2d(3),
        "LayerNorm([2, 3])" => new LayerNorm([2, 3]),
        "GroupNorm(2, 4)" => new GroupNorm(2, 4),
        _ => throw new KeyNotFoundException(name),
    };

    public static TheoryData<string> LayerNames
        => FixtureRunner.Names(NNFixtures.Section("init").GetProperty("layers").EnumerateObject().Select(p => p.Name));

    [Theory]
    [MemberData(nameof(LayerNames))]
    public void LayersInitialiseLikePyTorch(string layer)
    {
        var state = MakeLayer(layer, new Generator(11)).StateDict();
        var expected = NNFixtures.Section("init").GetProperty("layers").GetProperty(layer).EnumerateArray().ToArray();
        Assert.Equal(expected.Select(e => e.GetProperty("name").GetString()), state.Keys);
        foreach (var e in expected)
        {
            var name = e.GetProperty("name").GetString()!;
            var t = state[name];
            Assert.True(NNFixtures.Ints(e.GetProperty("shape")).SequenceEqual(t.Shape), $"{layer} {name}: shape");
            var v = Values(t);
            switch (e.GetProperty("kind").GetString())
            {
                case "uniform":
                {
                    double bound = e.GetProperty("bound").GetDouble();
                    double max = v.Max(Math.Abs);
                    Assert.True(max <= bound * (1 + 1e-6), $"{layer} {name}: max |w| {max} exceeds PyTorch's bound {bound}");
                    // Samples fill the interval: near the bound, and (for many samples) spread like U(±bound).
                    Assert.True(max >= (v.Length >= 100 ? 0.95 : 0.5) * bound, $"{layer} {name}: max |w| {max} is far below the bound {bound}");
                    if (v.Length >= 100) Assert.InRange(Std(v), 0.9 * bound / Math.Sqrt(3), 1.1 * bound / Math.Sqrt(3));
                    break;
                }
                case "normal":
                    Assert.InRange(Mean(v), -0.05, 0.05);
                    Assert.InRange(Std(v), 0.97 * e.GetProperty("std").GetDouble(), 1.03 * e.GetProperty("std").GetDouble());
                    break;
                default:
                    FixtureAssert.Close(FixtureTensor.Parse(e.GetProperty("values")), t, usesFloat32: true, $"{layer} {name}");
                    break;
            }
        }
    }

    [Fact]
    public void UniformAndNormalFillInPlaceWithTheRightStatistics()
    {
        using var u = Tensor.Zeros(200_000);
        Assert.Same(u, Init.Uniform(u, -3, 5, new Generator(1)));
        var uv = Values(u);
        Assert.True(uv.Min() >= -3 && uv.Max() < 5);
        Assert.InRange(Mean(uv), 0.97, 1.03);
        Assert.InRange(Std(uv), 0.99 * 8 / Math.Sqrt(12), 1.01 * 8 / Math.Sqrt(12));

        using var n = Tensor.Zeros([400, 500], DType.Float64);
        Init.Normal(n, 2, 0.5, new Generator(2));
        var nv = Values(n);
        Assert.InRange(Mean(nv), 1.995, 2.005);
        Assert.InRange(Std(nv), 0.495, 0.505);
    }

    [Fact]
    public void TruncNormalStaysInsideItsBoundsWithTheTruncatedSpread()
    {
        using var t = Tensor.Zeros(200_000);
        Init.TruncNormal(t, generator: new Generator(3));
        var v = Values(t);
        Assert.True(v.Min() >= -2 && v.Max() <= 2);
        Assert.InRange(Mean(v), -0.01, 0.01);
        // The standard deviation of N(0, 1) truncated to [-2, 2] is 0.8796.
        Assert.InRange(Std(v), 0.8796 - 0.005, 0.8796 + 0.005);

        using var s = Tensor.Zeros(50_000);
        Init.TruncNormal(s, mean: 1, std: 0.1, a: 0.9, b: 2, generator: new Generator(4));
        Assert.True(Values(s).Min() >= 0.9);
        Assert.Throws<ArgumentException>(() => Init.TruncNormal(s, a: 1, b: 0));
    }

    [Fact]
    public void XavierAndKaimingUseTheFans()
    {
        using var w = Tensor.Zeros(300, 200);                         // fan_in 200, fan_out 300
        Init.XavierUniform(w, gain: 2, generator: new Generator(5));
        double bound = 2 * Math.Sqrt(6.0 / 500);
        var v = Values(w);
        Assert.True(v.Max(Math.Abs) <= bound && v.Max(Math.Abs) > 0.99 * bound);

        Init.XavierNormal(w, generator: new Generator(6));
        Assert.InRange(Std(Values(w)), 0.99 * Math.Sqrt(2.0 / 500), 1.01 * Math.Sqrt(2.0 / 500));

        using var c = Tensor.Zeros(64, 16, 3, 3);                     // fan_in 144, fan_out 576
        Init.KaimingNormal(c, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: new Generator(7));
        Assert.InRange(Std(Values(c)), 0.98 * Math.Sqrt(2.0 / 576), 1.02 * Math.Sqrt(2.0 / 576));

        Init.KaimingUniform(c, a: Math.Sqrt(5), generator: new Generator(8));
        var cv = Values(c);
        Assert.True(cv.Max(Math.Abs) <= 1 / 12.0 && cv.Max(Math.Abs) > 0.99 / 12);
    }

    [Theory]
    [InlineData(new[] { 5, 9 }, 1.0)]
    [InlineData(new[] { 9, 5 }, 1.0)]
    [InlineData(new[] { 6, 2, 3 }, 2.0)]
    [InlineData(new[] { 4, 4 }, 0.5)]
    public void OrthogonalRowsOrColumnsAreOrthonormal(int[] shape, double gain)
    {
        using var t = Tensor.Zeros(shape, DType.Float64);
        Init.Orthogonal(t, gain, new Generator(9));
        int rows = shape[0], cols = (int)(t.NumElements / rows);
        var q = Values(t);
        // Q·Qᵀ = gain²·I when rows ≤ cols, else Qᵀ·Q = gain²·I.
        bool byRows = rows <= cols;
        int k = byRows ? rows : cols, len = byRows ? cols : rows;
        double At(int vec, int i) => byRows ? q[vec * cols + i] : q[i * cols + vec];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                double dot = 0;
                for (int i = 0; i < len; i++) dot += At(a, i) * At(b, i);
                Assert.Equal(a == b ? gain * gain : 0, dot, 12);
            }
    }

    [Fact]
    public void OrthogonalIsSeededAndWorksOnParametersAndFloat32()
    {
        var p = new Parameter(Tensor.Zeros(3, 3));
        Init.Orthogonal(p, generator: new Generator(10));
        Assert.True(p.RequiresGrad && p.IsLeaf);
        using var again = Tensor.Zeros(3, 3);
        Init.Orthogonal(again, generator: new Generator(10));
        Assert.Equal(p.ToArray<float>(), again.ToArray<float>());
        Assert.Throws<ArgumentException>(() => Init.Orthogonal(Tensor.Zeros(4)));
    }

    [Fact]
    public void ConstantsAndEye()
    {
        using var t = Tensor.Zeros(2, 3);
        Assert.All(Values(Init.Constant(t, 1.5)), v => Assert.Equal(1.5, v));
        Assert.All(Values(Init.Ones(t)), v => Assert.Equal(1, v));
        Assert.All(Values(Init.Zeros(t)), v => Assert.Equal(0, v));
        Assert.Equal([1.0, 0, 0, 0, 1, 0], Values(Init.Eye(t)));
        var e = Assert.Throws<ArgumentException>(() => Init.Eye(Tensor.Zeros(2, 2, 2)));
        Assert.Contains("[2, 2, 2]", e.Message);
    }

    [Fact]
    public void RandomFillsAreSeededAndRejectIntegerTensors()
    {
        using var a = Tensor.Zeros(50);
        using var b = Tensor.Zeros(50);
        using (var av = a.Reshape(5, 10)) Init.KaimingUniform(av, generator: new Generator(12));
        using (var bv = b.Reshape(5, 10)) Init.KaimingUniform(bv, generator: new Generator(12));
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.NotEqual(0f, a.ToArray<float>()[0]);
        var e = Assert.Throws<ArgumentException>(() => Init.Uniform(Tensor.Zeros([3], DType.Int64)));
        Assert.Contains("Int64", e.Message);
    }
}
