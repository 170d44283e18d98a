using System.Text.Json;
using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Runs every case of fixtures/layers.json (PyTorch 1.13, see fixtures/make_layer_fixtures.py): the
/// activation layers, PReLU, AvgPool1d/MaxPool1d, Upsample/Interpolate and PixelShuffle/PixelUnshuffle,
/// forward and backward, and the string each layer prints.
/// </summary>
public class LayerFixtureTests
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("layers.json"));

    public static TheoryData<string> ForwardCases => FixtureRunner.Names(cases.Value.Values.Where(c => c.Op != "Repr"));
    public static TheoryData<string> GradientCases => FixtureRunner.Names(cases.Value.Values.Where(c => c.HasGrads));
    public static TheoryData<string> ReprCases => FixtureRunner.Names(cases.Value.Values.Where(c => c.Op == "Repr"));

    static JsonElement Json(FixtureParams p) => JsonDocument.Parse(p.ToString()).RootElement.Clone();

    static Tensor[] Run(FixtureCase c, Tensor[] x)
    {
        var p = Json(c.Params);
        return c.Op switch
        {
            "Prelu" => [x[0].Prelu(x[1])],
            "Interpolate" => [x[0].Interpolate(LayerArgs.IntsOrNull(p, "size"), LayerArgs.DoublesOrNull(p, "scaleFactor"),
                LayerArgs.String(p, "mode", "nearest"), LayerArgs.BoolOrNull(p, "alignCorners"), LayerArgs.BoolOrNull(p, "recomputeScaleFactor"))],
            _ => [LayerArgs.Make(c.Op, p).Forward(x[0])],
        };
    }

    [Fact]
    public void FixtureIsPresent() => Assert.NotEmpty(cases.Value);

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name) => FixtureRunner.Forward(cases.Value[name], Run);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name) => FixtureRunner.Gradient(cases.Value[name], Run);

    [Theory]
    [MemberData(nameof(ReprCases))]
    public void PrintsLikePyTorch(string name)
    {
        var p = Json(cases.Value[name].Params);
        var module = LayerArgs.Make(p.GetProperty("module").GetString()!, p.GetProperty("args"));
        Assert.Equal(p.GetProperty("repr").GetString(), module.ToString());
    }
}

/// <summary>Builds a layer from the fixture's constructor arguments (Ember's names, PyTorch's defaults where absent).</summary>
internal static class LayerArgs
{
    static bool Absent(JsonElement a, string key) => !a.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null;

    public static double Double(JsonElement a, string key, double fallback) => Absent(a, key) ? fallback : a.GetProperty(key).GetDouble();
    public static int Int(JsonElement a, string key, int fallback) => Absent(a, key) ? fallback : a.GetProperty(key).GetInt32();
    public static int? IntOrNull(JsonElement a, string key) => Absent(a, key) ? null : a.GetProperty(key).GetInt32();
    public static bool Bool(JsonElement a, string key, bool fallback) => Absent(a, key) ? fallback : a.GetProperty(key).GetBoolean();
    public static bool? BoolOrNull(JsonElement a, string key) => Absent(a, key) ? null : a.GetProperty(key).GetBoolean();
    public static string String(JsonElement a, string key, string fallback) => Absent(a, key) ? fallback : a.GetProperty(key).GetString()!;

    /// <summary>A list, or one number read as a list of one.</summary>
    public static int[]? IntsOrNull(JsonElement a, string key)
    {
        if (Absent(a, key)) return null;
        var v = a.GetProperty(key);
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetInt32()).ToArray() : [v.GetInt32()];
    }

    public static double[]? DoublesOrNull(JsonElement a, string key)
    {
        if (Absent(a, key)) return null;
        var v = a.GetProperty(key);
        return v.ValueKind == JsonValueKind.Array ? v.EnumerateArray().Select(e => e.GetDouble()).ToArray() : [v.GetDouble()];
    }

    public static Module<Tensor, Tensor> Make(string name, JsonElement a) => name switch
    {
        "ReLU" => new ReLU(),
        "ReLU6" => new ReLU6(),
        "SELU" => new SELU(),
        "SiLU" => new SiLU(),
        "Mish" => new Mish(),
        "Sigmoid" => new Sigmoid(),
        "Tanh" => new Tanh(),
        "Hardswish" => new Hardswish(),
        "Hardsigmoid" => new Hardsigmoid(),
        "LeakyReLU" => new LeakyReLU(Double(a, "negativeSlope", 0.01)),
        "ELU" => new ELU(Double(a, "alpha", 1)),
        "GELU" => new GELU(String(a, "approximate", "none")),
        "Softplus" => new Softplus(Double(a, "beta", 1), Double(a, "threshold", 20)),
        "Softmax" => new Softmax(Int(a, "dim", 0)),
        "LogSoftmax" => new LogSoftmax(Int(a, "dim", 0)),
        "PReLU" => new PReLU(Int(a, "numParameters", 1)),
        "AvgPool1d" => new AvgPool1d(Int(a, "kernelSize", 0), IntOrNull(a, "stride"), Int(a, "padding", 0), Bool(a, "ceilMode", false), Bool(a, "countIncludePad", true)),
        "MaxPool1d" => new MaxPool1d(Int(a, "kernelSize", 0), IntOrNull(a, "stride"), Int(a, "padding", 0), Int(a, "dilation", 1), Bool(a, "ceilMode", false)),
        "Upsample" => new Upsample(IntsOrNull(a, "size"), DoublesOrNull(a, "scaleFactor"), String(a, "mode", "nearest"), BoolOrNull(a, "alignCorners"), BoolOrNull(a, "recomputeScaleFactor")),
        "PixelShuffle" => new PixelShuffle(Int(a, "upscaleFactor", 0)),
        "PixelUnshuffle" => new PixelUnshuffle(Int(a, "downscaleFactor", 0)),
        "Flatten" => new Flatten(),
        _ => throw new KeyNotFoundException($"layers.json: no layer named {name}"),
    };
}
