using System.Text.Json;
using Ember.Onnx;
using Ember.Onnx.Protos;
using Google.Protobuf;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

/// <summary>
/// ONNX's narrow integer types, read widened (INT8, INT16, UINT16 → Int32; UINT32, UINT64 → Int64) and
/// wrapped back into their range after arithmetic and Cast. Reference values come from numpy
/// (fixtures/make_narrow_int_fixtures.py), the semantics ONNX's reference implementation uses.
/// </summary>
public class NarrowIntegerTests
{
    static readonly Lazy<JsonDocument> fixture = new(() =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "narrow_int.json"))));

    static JsonElement Case(string section, string type) => fixture.Value.RootElement.GetProperty(section).GetProperty(type);

    static long[] Longs(JsonElement e, string key) => e.GetProperty(key).EnumerateArray().Select(v => v.GetInt64()).ToArray();
    static int[] Shape(JsonElement e) => e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();

    static int Code(string type) => (int)Enum.Parse<TensorProto.Types.DataType>(type, ignoreCase: true);

    static DType Widened(string type) => type is "UINT32" or "UINT64" ? DType.Int64 : DType.Int32;

    static TensorProto Proto(string type, int[] shape)
    {
        var p = new TensorProto { Name = "t", DataType = Code(type) };
        foreach (var d in shape) p.Dims.Add(d);
        return p;
    }

    static void AssertWidened(Tensor t, string type, JsonElement c)
    {
        Assert.Equal(Widened(type), t.DType);
        Assert.Equal(Shape(c), t.Shape);
        Assert.Equal(Longs(c, "widened"), OnnxTensors.ToLongs(t));
    }

    public static TheoryData<string> Types => new() { "INT8", "INT16", "UINT16", "UINT32", "UINT64" };

    [Theory, MemberData(nameof(Types))]
    public void LoadsRawData(string type)
    {
        var c = Case("load", type);
        var p = Proto(type, Shape(c));
        p.RawData = ByteString.CopyFrom(Convert.FromHexString(c.GetProperty("raw").GetString()!));
        using var t = OnnxTensors.ToTensor(p, null, "the test tensor");
        AssertWidened(t, type, c);
    }

    [Theory, MemberData(nameof(Types))]
    public void LoadsTypedFields(string type)
    {
        var c = Case("load", type);
        var p = Proto(type, Shape(c));
        var values = c.GetProperty("values").EnumerateArray();
        // ONNX keeps 8- and 16-bit values in int32_data and UINT32, UINT64 in uint64_data.
        if (Widened(type) == DType.Int32) p.Int32Data.AddRange(values.Select(v => v.GetInt32()));
        else p.Uint64Data.AddRange(values.Select(v => v.GetUInt64()));
        using var t = OnnxTensors.ToTensor(p, null, "the test tensor");
        AssertWidened(t, type, c);
    }

    [Theory, MemberData(nameof(Types))]
    public void LoadsExternalData(string type)
    {
        var c = Case("load", type);
        var dir = Directory.CreateTempSubdirectory("ember-narrow-");
        try
        {
            var bytes = Convert.FromHexString(c.GetProperty("raw").GetString()!);
            // Behind a few bytes of padding, to exercise the offset.
            File.WriteAllBytes(Path.Combine(dir.FullName, "weights.bin"), [1, 2, 3, .. bytes]);
            var p = Proto(type, Shape(c));
            p.DataLocation = TensorProto.Types.DataLocation.External;
            p.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            p.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "3" });
            using var t = OnnxTensors.ToTensor(p, dir.FullName, "the test tensor");
            AssertWidened(t, type, c);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Uint64KeepsItsBitPattern()
    {
        var c = Case("load", "UINT64");
        var raw = Convert.FromHexString(c.GetProperty("raw").GetString()!);
        var p = Proto("UINT64", Shape(c));
        p.RawData = ByteString.CopyFrom(raw);
        using var t = OnnxTensors.ToTensor(p, null, "the test tensor");
        var back = t.ToArray<long>().SelectMany(v => BitConverter.GetBytes(v)).ToArray();
        Assert.Equal(raw, back);
        // The maximum, 2^64 − 1, is there and reads as negative.
        Assert.Contains(t.ToArray<long>(), v => v < 0);
    }

    [Fact]
    public void TruncatedRawDataIsRejectedBeforeAllocating()
    {
        // A billion INT16 elements would take 8 GB widened; the two bytes present must be caught first.
        var p = Proto("INT16", [1_000_000_000]);
        p.RawData = ByteString.CopyFrom(new byte[2]);
        var e = Assert.Throws<InvalidDataException>(() => OnnxTensors.ToTensor(p, null, "the test tensor"));
        Assert.Contains("INT16", e.Message);
        Assert.Contains("raw_data", e.Message);
        Assert.Contains("[1000000000]", e.Message);

        var typed = Proto("UINT32", [1_000_000_000]);
        typed.Uint64Data.Add(5);
        var e2 = Assert.Throws<InvalidDataException>(() => OnnxTensors.ToTensor(typed, null, "the test tensor"));
        Assert.Contains("uint64_data", e2.Message);
    }

    static Tensor Input(JsonElement c, string key, DType dtype)
    {
        var v = Longs(c, key);
        using var t = Tensor.FromArray(v, Shape(c));
        return t.To(dtype);
    }

    [Theory]
    [InlineData("INT8")]
    [InlineData("UINT16")]
    public void AddWrapsAround(string type)
    {
        var c = Case("add", type);
        int code = Code(type);
        var n = Shape(c)[0];
        using var model = OnnxModel.Load(Bytes(Model(Graph(
            [Node("Add", ["a", "b"], ["y"])],
            [Value("a", code, n), Value("b", code, n)], [Value("y", code, n)]))));
        Assert.Equal(type, model.Outputs[0].ElementType);
        Assert.Equal(DType.Int32, model.Outputs[0].DType);
        using var a = Input(c, "a", DType.Int32);
        using var b = Input(c, "b", DType.Int32);
        var outputs = model.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        using var y = outputs["y"];
        Assert.Equal(DType.Int32, y.DType);
        Assert.Equal(Longs(c, "expected"), OnnxTensors.ToLongs(y));
    }

    [Theory]
    [InlineData("INT8")]
    [InlineData("UINT32")]
    public void CastWrapsAround(string type)
    {
        var c = Case("cast", type);
        int n = Shape(c)[0];
        // The output's type is not declared, so the plan takes it from Cast's 'to'.
        using var model = OnnxModel.Load(Bytes(Model(Graph(
            [Node("Cast", ["x"], ["c"], Int("to", Code(type))), Node("Identity", ["c"], ["y"])],
            [Value("x", OnnxInt64, n)], [Value("y", Code(type), n)]))));
        using var x = Input(c, "x", DType.Int64);
        using var y = model.Run(x);
        Assert.Equal(Widened(type), y.DType);
        Assert.Equal(Longs(c, "expected"), OnnxTensors.ToLongs(y));
    }

    [Fact]
    public void InferredNarrowTypeWrapsWithoutDeclarations()
    {
        // Cast to INT8, then Add with no value_info: the sum is INT8 by propagation and wraps.
        var c = Case("add", "INT8");
        int n = Shape(c)[0];
        var int8 = Code("INT8");
        using var model = OnnxModel.Load(Bytes(Model(Graph(
            [Node("Cast", ["a"], ["a8"], Int("to", int8)), Node("Cast", ["b"], ["b8"], Int("to", int8)),
             Node("Add", ["a8", "b8"], ["s"]), Node("Cast", ["s"], ["y"], Int("to", OnnxInt64))],
            [Value("a", OnnxInt64, n), Value("b", OnnxInt64, n)], [Value("y", OnnxInt64, n)]))));
        using var a = Input(c, "a", DType.Int64);
        using var b = Input(c, "b", DType.Int64);
        var outputs = model.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        using var y = outputs["y"];
        Assert.Equal(Longs(c, "expected"), OnnxTensors.ToLongs(y));
    }

    [Fact]
    public void SubgraphsSeeTheNarrowTypesOfOuterValues()
    {
        // The If branch adds two INT8 values of the outer graph; its output type is declared nowhere.
        var c = Case("add", "INT8");
        int n = Shape(c)[0];
        var int8 = Code("INT8");
        GraphProto Branch(string name) => new()
        {
            Name = name,
            Node = { Node("Add", ["a8", "b8"], ["s_" + name]) },
            Output = { new ValueInfoProto { Name = "s_" + name } },
        };
        var ifNode = Node("If", ["cond"], ["r"],
            new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("then") },
            new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch("else") });
        using var model = OnnxModel.Load(Bytes(Model(Graph(
            [Node("Cast", ["a"], ["a8"], Int("to", int8)), Node("Cast", ["b"], ["b8"], Int("to", int8)),
             ifNode, Node("Cast", ["r"], ["y"], Int("to", OnnxInt64))],
            [Value("cond", OnnxBool), Value("a", OnnxInt64, n), Value("b", OnnxInt64, n)], [Value("y", OnnxInt64, n)]))));
        using var cond = Tensor.Ones([], DType.Bool);
        using var a = Input(c, "a", DType.Int64);
        using var b = Input(c, "b", DType.Int64);
        var outputs = model.Run(new Dictionary<string, Tensor> { ["cond"] = cond, ["a"] = a, ["b"] = b });
        using var y = outputs["y"];
        Assert.Equal(Longs(c, "expected"), OnnxTensors.ToLongs(y));
    }
}
