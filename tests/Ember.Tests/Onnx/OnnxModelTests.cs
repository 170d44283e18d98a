using Ember.Onnx;
using Ember.Onnx.Protos;
using Google.Protobuf;
using Xunit;
using static Ember.Tests.Onnx.OnnxBuilder;

namespace Ember.Tests.Onnx;

public class OnnxModelTests
{
    static Tensor Input(int rows, int seed)
    {
        var g = new Generator((ulong)seed);
        return Tensor.Randn([rows, 3], g);
    }

    /// <summary>The same computation written directly with Ember's ops.</summary>
    static Tensor Reference(OnnxModel m, Tensor x)
    {
        using var xw = x.MatMul(m.Initializers["W"]);
        using var z = xw.Add(m.Initializers["b"]);
        return z.Relu();
    }

    [Fact]
    public void RunsAGraphWithInitializersAndReportsItsSignature()
    {
        using var m = OnnxModel.Load(Bytes(Linear()));
        Assert.Equal(["x"], m.InputNames);
        Assert.Equal(["y"], m.OutputNames);
        Assert.Equal(17, m.Opset);
        Assert.Equal("x: FLOAT[N, 3]", m.Inputs[0].ToString());
        Assert.Equal(DType.Float32, m.Inputs[0].DType);
        Assert.Equal([null, 3], m.Inputs[0].Shape!);
        Assert.Equal(["N", null], m.Inputs[0].DimNames!);
        Assert.Equal([1f, -2, 3, 4, 5, -6], m.Initializers["W"].ToArray<float>());
        Assert.Equal([0.5f, -0.5f], m.Initializers["b"].ToArray<float>());

        using var x = Input(5, 1);
        var outputs = m.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = Assert.Single(outputs).Value;
        using var expected = Reference(m, x);
        Assert.Equal(expected.Shape, y.Shape);
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
        Assert.False(x.IsDisposed); // the caller's inputs are left alone
    }

    [Fact]
    public void ListsTheOperatorsItImports()
    {
        Assert.Contains("Conv", OnnxModel.SupportedOperators);
        Assert.Contains("LayerNormalization", OnnxModel.SupportedOperators);
        Assert.DoesNotContain("FancyOp", OnnxModel.SupportedOperators);
        Assert.Equal(OnnxModel.SupportedOperators.Order(StringComparer.Ordinal), OnnxModel.SupportedOperators);
    }

    [Fact]
    public void LoadsFromAFileAndAStream()
    {
        var dir = Directory.CreateTempSubdirectory("ember-onnx-");
        try
        {
            var path = Path.Combine(dir.FullName, "linear.onnx");
            File.WriteAllBytes(path, Bytes(Linear()));
            using var fromFile = OnnxModel.Load(path);
            using var stream = File.OpenRead(path);
            using var fromStream = OnnxModel.Load(stream);
            using var x = Input(2, 2);
            using var a = fromFile.Run(x);
            using var b = fromStream.Run(x);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        }
        finally { dir.Delete(recursive: true); }
    }

    public static TheoryData<string> Encodings => ["raw float", "float_data", "double_data", "raw double", "int64_data", "raw int64", "int32_data",
        "bool int32_data", "raw bool", "uint8 int32_data", "scalar", "empty without data", "empty raw"];

    [Theory]
    [MemberData(nameof(Encodings))]
    public void ReadsEveryInitializerEncoding(string encoding)
    {
        var t = new TensorProto { Name = "c" };
        double[] expected;
        long[] dims = [2, 2];
        switch (encoding)
        {
            case "raw float": t.DataType = OnnxFloat; t.RawData = OnnxTensors.Raw(new[] { 1.5f, -2, 0, 7 }); expected = [1.5, -2, 0, 7]; break;
            case "float_data": t.DataType = OnnxFloat; t.FloatData.AddRange([1.5f, -2, 0, 7]); expected = [1.5, -2, 0, 7]; break;
            case "double_data": t.DataType = OnnxDouble; t.DoubleData.AddRange([0.1, -2, 1e300, 7]); expected = [0.1, -2, 1e300, 7]; break;
            case "raw double": t.DataType = OnnxDouble; t.RawData = OnnxTensors.Raw(new[] { 0.1, -2, 1e300, 7 }); expected = [0.1, -2, 1e300, 7]; break;
            case "int64_data": t.DataType = OnnxInt64; t.Int64Data.AddRange([1L << 40, -3, 0, 9]); expected = [1L << 40, -3, 0, 9]; break;
            case "raw int64": t.DataType = OnnxInt64; t.RawData = OnnxTensors.Raw(new[] { 1L << 40, -3, 0, 9 }); expected = [1L << 40, -3, 0, 9]; break;
            case "int32_data": t.DataType = OnnxInt32; t.Int32Data.AddRange([int.MaxValue, -3, 0, 9]); expected = [int.MaxValue, -3, 0, 9]; break;
            case "bool int32_data": t.DataType = OnnxBool; t.Int32Data.AddRange([1, 0, 0, 1]); expected = [1, 0, 0, 1]; break;
            case "raw bool": t.DataType = OnnxBool; t.RawData = ByteString.CopyFrom(1, 0, 0, 1); expected = [1, 0, 0, 1]; break;
            case "uint8 int32_data": t.DataType = OnnxUInt8; t.Int32Data.AddRange([255, 0, 128, 1]); expected = [255, 0, 128, 1]; break;
            case "scalar": t.DataType = OnnxFloat; t.FloatData.Add(3.25f); dims = []; expected = [3.25]; break;
            case "empty without data": t.DataType = OnnxFloat; dims = [0, 3]; expected = []; break;
            case "empty raw": t.DataType = OnnxInt64; t.RawData = ByteString.Empty; dims = [2, 0]; expected = []; break;
            default: throw new ArgumentException(encoding);
        }
        t.Dims.AddRange(dims);
        int elem = t.DataType;
        var model = Model(Graph([Node("Identity", ["c"], ["y"])], [], [Value("y", elem, dims)], [t]));
        using var m = OnnxModel.Load(Bytes(model));
        var outputs = m.Run(new Dictionary<string, Tensor>());
        using var y = outputs["y"];
        Assert.Equal(dims.Select(d => (int)d).ToArray(), y.Shape);
        Assert.True(OnnxTypes.TryToDType(elem, out var dtype));
        Assert.Equal(dtype, y.DType);
        Assert.Equal(expected, OnnxTensors.ToDoubles(y));
        if (dtype == DType.Int64) Assert.Equal(expected.Select(v => (long)v), y.ToArray<long>());
    }

    static ModelProto ExternalModel(string location, long offset, long? length)
    {
        var w = new TensorProto { Name = "W", DataType = OnnxFloat, DataLocation = TensorProto.Types.DataLocation.External };
        w.Dims.AddRange([3, 2]);
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        if (length is long l) w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = l.ToString() });
        return Model(Graph([Node("MatMul", ["x", "W"], ["y"])], [Value("x", OnnxFloat, 1, 3)], [Value("y", OnnxFloat, 1, 2)], [w]));
    }

    [Fact]
    public void ReadsExternalDataRelativeToTheModelAndChecksItsSize()
    {
        var dir = Directory.CreateTempSubdirectory("ember-onnx-");
        try
        {
            float[] weights = [1, 2, 3, 4, 5, 6];
            var raw = OnnxTensors.Raw(weights).ToByteArray();
            // 8 bytes of something else first, to exercise the offset.
            File.WriteAllBytes(Path.Combine(dir.FullName, "weights.bin"), [.. new byte[8], .. raw]);
            var path = Path.Combine(dir.FullName, "model.onnx");

            File.WriteAllBytes(path, Bytes(ExternalModel("weights.bin", 8, 24)));
            using (var m = OnnxModel.Load(path))
                Assert.Equal(weights, m.Initializers["W"].ToArray<float>());

            File.WriteAllBytes(path, Bytes(ExternalModel("weights.bin", 16, null)));
            var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path));
            Assert.Contains("'W'", e.Message);
            Assert.Contains("only 32 bytes", e.Message);

            File.WriteAllBytes(path, Bytes(ExternalModel("weights.bin", 8, 20)));
            Assert.Contains("length 20", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path)).Message);

            File.WriteAllBytes(path, Bytes(ExternalModel("../weights.bin", 0, null)));
            Assert.Contains("not a path inside", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(path)).Message);

            File.WriteAllBytes(path, Bytes(ExternalModel("missing.bin", 0, null)));
            Assert.Contains("missing.bin", Assert.Throws<FileNotFoundException>(() => OnnxModel.Load(path)).Message);

            // From bytes there is no folder to resolve the file against.
            Assert.Contains("not loaded from a file", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(Bytes(ExternalModel("weights.bin", 8, 24)))).Message);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void RejectsMalformedAndTruncatedFiles()
    {
        var bytes = Bytes(Linear());
        var truncated = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(bytes[..(bytes.Length / 2)]));
        Assert.Contains("not a valid ONNX model", truncated.Message);
        Assert.Throws<InvalidDataException>(() => OnnxModel.Load("this is not protobuf at all"u8.ToArray()));
        Assert.Contains("no graph", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(Array.Empty<byte>())).Message);
        Assert.Throws<FileNotFoundException>(() => OnnxModel.Load("/nonexistent/model.onnx"));
    }

    [Fact]
    public void CorruptedModelsFailWithAClearException()
    {
        // Flip bytes in, and cut, real models; loading and running must end in one of the
        // documented exceptions, never a crash, a hang or an unrelated error.
        var rng = new Random(1234);
        string[] cases = ["test_conv_with_strides_padding", "test_lstm_with_peepholes", "test_resize_upsample_scales_cubic", "test_gemm_all_attributes",
            "test_layer_normalization_4d_axis1_expanded", "test_range_float_type_positive_delta_expanded", "test_slice_neg_steps", "test_einsum_batch_matmul"];
        for (int trial = 0; trial < 400; trial++)
        {
            var dir = Path.Combine(OnnxNodeSuite.Root, "node", cases[trial % cases.Length]);
            var bytes = File.ReadAllBytes(Path.Combine(dir, "model.onnx"));
            for (int k = rng.Next(1, 4); k > 0; k--) bytes[rng.Next(bytes.Length)] = (byte)rng.Next(256);
            if (rng.Next(4) == 0) bytes = bytes[..rng.Next(bytes.Length)];
            var inputs = new Dictionary<string, Tensor>();
            try
            {
                using var m = OnnxModel.Load(bytes);
                for (int k = 0; k < m.InputNames.Count; k++)
                {
                    var p = Path.Combine(dir, "test_data_set_0", $"input_{k}.pb");
                    if (File.Exists(p)) inputs[m.InputNames[k]] = OnnxNodeSuite.ReadTensor(p);
                }
                foreach (var t in m.Run(inputs).Values) t.Dispose();
            }
            catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException
                || (e is InvalidOperationException && e.Message.StartsWith("ONNX:", StringComparison.Ordinal)))
            {
                Assert.StartsWith("ONNX:", e.Message);
            }
            finally { foreach (var t in inputs.Values) t.Dispose(); }
        }
    }

    [Fact]
    public void ChecksTensorSizesBeforeAllocating()
    {
        var huge = new TensorProto { Name = "huge", DataType = OnnxFloat, RawData = ByteString.CopyFrom(new byte[16]) };
        huge.Dims.AddRange([1L << 20, 1L << 20]);
        var e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["huge"], ["y"])], [], [Value("y", OnnxFloat)], [huge])))));
        Assert.Contains("'huge'", e.Message);

        var shortRaw = RawFloats("w", [1, 2, 3], 2, 2);
        e = Assert.Throws<InvalidDataException>(() => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["w"], ["y"])], [], [Value("y", OnnxFloat)], [shortRaw])))));
        Assert.Contains("needs 16 bytes of raw_data, but has 12", e.Message);

        var negative = RawFloats("w", [1], -1);
        Assert.Contains("invalid dimension -1", Assert.Throws<InvalidDataException>(
            () => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["w"], ["y"])], [], [Value("y", OnnxFloat)], [negative]))))).Message);

        // A billion elements claimed, none present: refused without allocating 4 GB.
        var claimed = new TensorProto { Name = "claimed", DataType = OnnxFloat };
        claimed.Dims.Add(1L << 30);
        Assert.Contains("float_data holds 0 values", Assert.Throws<InvalidDataException>(
            () => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["claimed"], ["y"])], [], [Value("y", OnnxFloat)], [claimed]))))).Message);

        var fewValues = new TensorProto { Name = "w", DataType = OnnxInt64 };
        fewValues.Dims.Add(3);
        fewValues.Int64Data.AddRange([1, 2]);
        Assert.Contains("int64_data holds 2 values", Assert.Throws<InvalidDataException>(
            () => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["w"], ["y"])], [], [Value("y", OnnxInt64)], [fewValues]))))).Message);
    }

    [Fact]
    public void NamesUnsupportedElementTypes()
    {
        var half = new TensorProto { Name = "weights16", DataType = OnnxFloat16, RawData = ByteString.CopyFrom(new byte[4]) };
        half.Dims.Add(2);
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(Bytes(Model(Graph([Node("Identity", ["weights16"], ["y"])], [], [Value("y", OnnxFloat16)], [half])))));
        Assert.Contains("'weights16'", e.Message);
        Assert.Contains("FLOAT16", e.Message);
    }

    [Fact]
    public void RejectsUnknownOperatorsDomainsAndOpsets()
    {
        var unknown = Model(Graph([Node("FancyOp", ["x"], ["y"])], [Value("x", OnnxFloat, 2)], [Value("y", OnnxFloat, 2)]));
        var e = Assert.Throws<NotSupportedException>(() => OnnxModel.Load(Bytes(unknown)));
        Assert.Contains("'FancyOp'", e.Message);
        Assert.Contains("node 0 'fancyop_0'", e.Message);

        var custom = Model(Graph([Node("Relu", ["x"], ["y"])], [Value("x", OnnxFloat, 2)], [Value("y", OnnxFloat, 2)]));
        custom.Graph.Node[0].Domain = "com.example";
        Assert.Contains("'com.example'", Assert.Throws<NotSupportedException>(() => OnnxModel.Load(Bytes(custom))).Message);

        var future = Model(Graph([Node("Relu", ["x"], ["y"])], [Value("x", OnnxFloat, 2)], [Value("y", OnnxFloat, 2)]), opset: 99);
        Assert.Contains("opset 99", Assert.Throws<NotSupportedException>(() => OnnxModel.Load(Bytes(future))).Message);

        var dangling = Model(Graph([Node("Relu", ["nowhere"], ["y"])], [Value("x", OnnxFloat, 2)], [Value("y", OnnxFloat, 2)]));
        Assert.Contains("'nowhere'", Assert.Throws<InvalidDataException>(() => OnnxModel.Load(Bytes(dangling))).Message);
    }

    [Fact]
    public void RejectsMissingUnknownAndMistypedInputs()
    {
        using var m = OnnxModel.Load(Bytes(Linear()));
        var e = Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, Tensor>()));
        Assert.Contains("'x' is missing", e.Message);

        using var x = Input(2, 3);
        e = Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, Tensor> { ["x"] = x, ["z"] = x }));
        Assert.Contains("no input 'z'", e.Message);

        using var wrongShape = Tensor.Zeros(2, 4);
        e = Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, Tensor> { ["x"] = wrongShape }));
        Assert.Contains("x: FLOAT[N, 3]", e.Message);
        Assert.Contains("[2, 4]", e.Message);

        using var wrongType = Tensor.Zeros([2, 3], DType.Float64);
        e = Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, Tensor> { ["x"] = wrongType }));
        Assert.Contains("FLOAT", e.Message);
        Assert.Contains("Float64", e.Message);
    }

    [Fact]
    public void AnOpErrorNamesTheNodeAndItsInputs()
    {
        // No shapes declared, so the mismatch surfaces inside MatMul.
        var model = Model(Graph([Node("MatMul", ["a", "b"], ["y"])],
            [Value("a", OnnxFloat, -1, -1), Value("b", OnnxFloat, -1, -1)], [Value("y", OnnxFloat, -1, -1)]));
        using var m = OnnxModel.Load(Bytes(model));
        using var a = Tensor.Zeros(2, 3);
        using var b = Tensor.Zeros(4, 5);
        var e = Assert.Throws<ArgumentException>(() => m.Run(new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b }));
        Assert.Contains("node 0 'matmul_0' (MatMul, opset 17)", e.Message);
        Assert.Contains("a: Float32 [2, 3]", e.Message);
        Assert.Contains("b: Float32 [4, 5]", e.Message);
    }

    [Fact]
    public void RunsConcurrentlyFromFourThreads()
    {
        using var m = OnnxModel.Load(Bytes(Linear()));
        var inputs = Enumerable.Range(0, 4).Select(i => Input(64, 10 + i)).ToArray();
        var expected = inputs.Select(x => { using var r = Reference(m, x); return r.ToArray<float>(); }).ToArray();
        var results = new float[4][][];
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            results[t] = new float[50][];
            for (int k = 0; k < 50; k++)
            {
                var outputs = m.Run(new Dictionary<string, Tensor> { ["x"] = inputs[t] });
                using var y = outputs["y"];
                results[t][k] = y.ToArray<float>();
            }
        })).ToArray();
        foreach (var th in threads) th.Start();
        foreach (var th in threads) th.Join();
        for (int t = 0; t < 4; t++)
            foreach (var r in results[t]) Assert.Equal(expected[t], r);
        foreach (var x in inputs) x.Dispose();
    }

    [Fact]
    public void RunsNodesGivenOutOfOrderAndReturnsInputsPassedThrough()
    {
        // Relu's node comes before the Neg that feeds it; the second output is the input itself.
        var model = Model(Graph([Node("Relu", ["n"], ["y"]), Node("Neg", ["x"], ["n"])],
            [Value("x", OnnxFloat, 3)], [Value("y", OnnxFloat, 3), Value("x", OnnxFloat, 3)]));
        using var m = OnnxModel.Load(Bytes(model));
        using var x = Tensor.FromArray(new[] { -1f, 2, -3 }, 3);
        var outputs = m.Run(new Dictionary<string, Tensor> { ["x"] = x });
        using var y = outputs["y"];
        using var passed = outputs["x"];
        using var negated = x.Neg();
        using var expected = negated.Relu();
        Assert.Equal(expected.ToArray<float>(), y.ToArray<float>());
        Assert.Equal(x.ToArray<float>(), passed.ToArray<float>());
        Assert.NotSame(x, passed);
    }

    [Fact]
    public void TheNodeSuiteComparisonCanFail()
    {
        using var a = Tensor.FromArray(new[] { 1f, float.NaN, 100 }, 3);
        using var close = Tensor.FromArray(new[] { 1.0005f, float.NaN, 100.09f }, 3);
        using var far = Tensor.FromArray(new[] { 1.01f, float.NaN, 100 }, 3);
        using var nan = Tensor.FromArray(new[] { 1f, 0, 100 }, 3);
        using var longer = Tensor.FromArray(new[] { 1f, 2, 3, 4 }, 4);
        using var asDouble = a.To(DType.Float64);
        Assert.Null(OnnxNodeSuite.Compare(close, a));
        Assert.NotNull(OnnxNodeSuite.Compare(far, a));
        Assert.NotNull(OnnxNodeSuite.Compare(nan, a));
        Assert.NotNull(OnnxNodeSuite.Compare(longer, a));
        Assert.NotNull(OnnxNodeSuite.Compare(asDouble, a));
        using var i = Tensor.FromArray(new[] { 1000L, 2 }, 2);
        using var j = Tensor.FromArray(new[] { 1001L, 2 }, 2);
        Assert.NotNull(OnnxNodeSuite.Compare(j, i)); // integers compare exactly
    }
}
