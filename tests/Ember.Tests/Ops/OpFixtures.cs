using System.Text;
using System.Text.Json;
using Xunit;

namespace Ember.Tests;

/// <summary>A tensor as stored in fixtures/ops.json: shape, dtype and row-major values.</summary>
public sealed class FixtureTensor
{
    public required int[] Shape { get; init; }
    public required DType DType { get; init; }
    public required double[] Values { get; init; }

    public static FixtureTensor Parse(JsonElement e)
    {
        var dtype = ParseDType(e.GetProperty("dtype").GetString()!);
        return new FixtureTensor
        {
            Shape = e.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ToArray(),
            DType = dtype,
            Values = e.GetProperty("values").EnumerateArray().Select(ParseNumber).ToArray(),
        };
    }

    public static DType ParseDType(string name) => name switch
    {
        "float32" => DType.Float32, "float64" => DType.Float64, "int64" => DType.Int64,
        "int32" => DType.Int32, "bool" => DType.Bool, "uint8" => DType.UInt8,
        _ => throw new FormatException($"unknown dtype '{name}' in ops.json"),
    };

    /// <summary>A number, a boolean, or one of the strings "nan", "inf", "-inf".</summary>
    public static double ParseNumber(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String => v.GetString() switch
        {
            "nan" => double.NaN, "inf" => double.PositiveInfinity, "-inf" => double.NegativeInfinity,
            var s => throw new FormatException($"unexpected number '{s}' in ops.json"),
        },
        _ => throw new FormatException($"unexpected JSON value {v} in ops.json"),
    };

    /// <summary>A new Ember tensor with this dtype, shape and values (float32 values are exact float32s).</summary>
    public Tensor ToTensor() => DType switch
    {
        DType.Float32 => Make(Values.Select(v => (float)v).ToArray(), Shape),
        DType.Float64 => Make(Values.ToArray(), Shape),
        DType.Int64 => Make(Values.Select(v => (long)v).ToArray(), Shape),
        DType.Int32 => Make(Values.Select(v => (int)v).ToArray(), Shape),
        DType.Bool => Make(Values.Select(v => v != 0).ToArray(), Shape),
        DType.UInt8 => Make(Values.Select(v => (byte)v).ToArray(), Shape),
        _ => throw new NotSupportedException(DType.ToString()),
    };

    /// <summary>
    /// Tensor.FromArray, except that a 0-d tensor is made as a one-element vector reshaped to [], so it is
    /// 0-d whether FromArray reads an empty shape as 0-d or as "one dimension of data.Length".
    /// </summary>
    public static Tensor Make<T>(T[] data, int[] shape) where T : unmanaged
        => shape.Length > 0 ? Tensor.FromArray(data, shape) : Tensor.FromArray(data, 1).Reshape();
}

/// <summary>An op's parameters, read by the names of Ember's method parameters.</summary>
public sealed class FixtureParams(JsonElement json)
{
    public bool Has(string key) => json.TryGetProperty(key, out _);

    JsonElement Get(string key) => json.TryGetProperty(key, out var v)
        ? v : throw new KeyNotFoundException($"ops.json: missing parameter '{key}'");

    bool IsNull(string key) => !json.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null;

    public int Int(string key) => Get(key).GetInt32();
    public int? IntOrNull(string key) => IsNull(key) ? null : Int(key);
    public int[] Ints(string key) => Get(key).EnumerateArray().Select(v => v.GetInt32()).ToArray();
    public int[]? IntsOrNull(string key) => IsNull(key) ? null : Ints(key);
    public bool Bool(string key, bool fallback = false) => IsNull(key) ? fallback : Get(key).GetBoolean();
    public float Float(string key) => (float)FixtureTensor.ParseNumber(Get(key));
    public float? FloatOrNull(string key) => IsNull(key) ? null : Float(key);
    public DType DType(string key) => FixtureTensor.ParseDType(Get(key).GetString()!);

    public override string ToString() => json.GetRawText();
}

/// <summary>One PyTorch reference case from fixtures/ops.json (written by fixtures/make_fixtures.py).</summary>
public sealed class FixtureCase
{
    public required string Name { get; init; }
    public required string Op { get; init; }
    public required FixtureParams Params { get; init; }
    public required FixtureTensor[] Inputs { get; init; }
    /// <summary>
    /// Per input: null, ["transpose", d0, d1], ["permute", dims...], ["expand", sizes...] or
    /// ["slice", dim, start, end, step]: a view applied before the op (gradients flow back through it).
    /// </summary>
    public required JsonElement?[] Views { get; init; }
    public required FixtureTensor[] Outputs { get; init; }
    /// <summary>Per output: the weight w of the loss sum_i (out_i * w_i).Sum(), null for outputs that carry no gradient.</summary>
    public FixtureTensor?[]? Weights { get; init; }
    /// <summary>Per input: the gradient of the loss, null for inputs that are not floating point.</summary>
    public FixtureTensor?[]? Grads { get; init; }

    public bool HasGrads => Grads is not null;

    /// <summary>
    /// Whether any tensor of the case is float32: PyTorch then computed (part of) it in float32, so even
    /// its float64 results (e.g. the gradient of a float64 0-d operand of a float32 op) carry float32 error.
    /// </summary>
    public bool UsesFloat32 => Inputs.Concat(Outputs).Any(t => t.DType == DType.Float32);

    public override string ToString() => $"{Name}: {Op}({Params})";

    public static FixtureCase Parse(JsonElement e)
    {
        static FixtureTensor? Maybe(JsonElement t) => t.ValueKind == JsonValueKind.Null ? null : FixtureTensor.Parse(t);
        var inputs = e.GetProperty("inputs").EnumerateArray().Select(FixtureTensor.Parse).ToArray();
        return new FixtureCase
        {
            Name = e.GetProperty("name").GetString()!,
            Op = e.GetProperty("op").GetString()!,
            Params = new FixtureParams(e.GetProperty("params")),
            Inputs = inputs,
            Views = e.TryGetProperty("views", out var views)
                ? views.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? (JsonElement?)null : v).ToArray()
                : new JsonElement?[inputs.Length],
            Outputs = e.GetProperty("outputs").EnumerateArray().Select(FixtureTensor.Parse).ToArray(),
            Weights = e.TryGetProperty("weights", out var w) ? w.EnumerateArray().Select(Maybe).ToArray() : null,
            Grads = e.TryGetProperty("grads", out var g) ? g.EnumerateArray().Select(Maybe).ToArray() : null,
        };
    }
}

public static class OpFixtures
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(Load);

    public static string FixturePath => Path.Combine(AppContext.BaseDirectory, "fixtures", "ops.json");

    static Dictionary<string, FixtureCase> Load() => Load("ops.json");

    /// <summary>Every case of a fixture file in fixtures/ (the same format, for other families of ops).</summary>
    public static Dictionary<string, FixtureCase> Load(string fileName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", fileName)));
        // Clone so the elements (params, views) outlive the document.
        var root = doc.RootElement.Clone();
        return root.GetProperty("cases").EnumerateArray().Select(FixtureCase.Parse).ToDictionary(c => c.Name);
    }

    public static IEnumerable<FixtureCase> All => cases.Value.Values;

    public static FixtureCase Get(string name) => cases.Value[name];
}

/// <summary>Compares Ember tensors with fixture tensors: shape and dtype exactly, values within the dtype's tolerance.</summary>
public static class FixtureAssert
{
    /// <summary>
    /// (relative, absolute) tolerance: float32 results are computed in float32, float64 ones in float64
    /// (unless the case also involves float32); integers and booleans must match exactly.
    /// </summary>
    public static (double Rtol, double Atol) Tolerance(DType dtype, bool usesFloat32) => dtype switch
    {
        DType.Float32 => (1e-5, 1e-6),
        DType.Float64 when usesFloat32 => (1e-5, 1e-6),
        DType.Float64 => (1e-9, 1e-12),
        _ => (0, 0),
    };

    public static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>().Select(v => (double)v).ToArray(),
        DType.Float64 => t.ToArray<double>(),
        DType.Int64 => t.ToArray<long>().Select(v => (double)v).ToArray(),
        DType.Int32 => t.ToArray<int>().Select(v => (double)v).ToArray(),
        DType.Bool => t.ToArray<bool>().Select(v => v ? 1.0 : 0.0).ToArray(),
        DType.UInt8 => t.ToArray<byte>().Select(v => (double)v).ToArray(),
        _ => throw new NotSupportedException(t.DType.ToString()),
    };

    static string Shape(int[] s) => "[" + string.Join(", ", s) + "]";

    public static void Close(FixtureTensor expected, Tensor actual, bool usesFloat32, string what)
    {
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape {Shape(actual.Shape)}, expected {Shape(expected.Shape)}");
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");

        var got = Values(actual);
        var (rtol, atol) = Tolerance(expected.DType, usesFloat32);
        var report = new StringBuilder();
        int bad = 0;
        double worst = 0;
        for (int i = 0; i < got.Length; i++)
        {
            double e = expected.Values[i], a = got[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(a)
                : double.IsInfinity(e) || double.IsInfinity(a) ? e == a
                : Math.Abs(a - e) <= atol + rtol * Math.Abs(e);
            if (ok) continue;
            worst = Math.Max(worst, Math.Abs(a - e) / Math.Max(Math.Abs(e), double.Epsilon));
            if (bad++ < 6) report.Append($"\n  [{i}] expected {e:R}, got {a:R}");
        }
        Assert.True(bad == 0,
            $"{what}: {bad} of {got.Length} values differ (rtol {rtol}, atol {atol}; worst relative error {worst:G3}):{report}");
    }
}
