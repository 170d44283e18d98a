using System.Globalization;
using Ember.Onnx;
using Ember.Onnx.Testing;
using Ember.Serialization;
using Ember.Tests.Onnx;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>`ember onnx info|run|test` on PyTorch-exported models (fixtures/torch_onnx) and ONNX's node cases.</summary>
public sealed class OnnxCommandTests
{
    static string TorchCase(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_onnx", name);
    static string TorchModel(string name) => Path.Combine(TorchCase(name), "model.onnx");
    static string NodeCase(string name) => Path.Combine(OnnxNodeSuite.Root, "node", name);

    [Theory]
    [InlineData("onnx")]
    [InlineData("onnx", "info")]
    [InlineData("onnx", "run")]
    [InlineData("onnx", "test")]
    public void EveryVerbAnswersHelp(params string[] verb)
    {
        var r = CliRunner.Run([.. verb, "--help"]);
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("Usage:", r.Out);
        Assert.Equal("", r.Err);
    }

    [Fact]
    public void InfoShowsInputsOutputsVersionsOperatorsAndParameters()
    {
        string path = TorchModel("cnn_opset17");
        var r = CliRunner.Run("onnx", "info", path);
        Assert.True(r.Exit == 0, r.ToString());
        using var model = OnnxModel.Load(path);
        Assert.Contains("ir_version:  8", r.Out);
        Assert.Contains("ai.onnx 17", r.Out);
        Assert.Contains("producer:    pytorch 1.13", r.Out);
        Assert.Matches(@"input\s+FLOAT\s+\[batch, 3, 16, 16\]", r.Out);
        Assert.Matches(@"output\s+FLOAT\s+\[batch, 5\]", r.Out);
        Assert.Contains($"parameters:  {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} ", r.Out);
        foreach (var (op, count) in model.OperatorCounts) Assert.Matches($@"\n{op}\s+{count}\r?\n", r.Out);
        Assert.Matches($@"total\s+{model.OperatorCounts.Sum(o => o.Count)}", r.Out);
    }

    [Fact]
    public void RunPrintsAndWritesTheOutputs()
    {
        using var temp = new CliTempDir();
        string dir = TorchCase("cnn_opset17");
        using var input = OnnxBackendTestRunner.ReadTensor(Path.Combine(dir, "test_data_set_0", "input_0.pb"));
        using var expected = OnnxBackendTestRunner.ReadTensor(Path.Combine(dir, "test_data_set_0", "output_0.pb"));
        string inFile = temp.File("x.safetensors");
        Safetensors.Save(inFile, new Dictionary<string, Tensor> { ["x"] = input });
        string outFile = temp.File("y.safetensors");

        // A single-input model takes the file without a name.
        var r = CliRunner.Run("onnx", "run", Path.Combine(dir, "model.onnx"), "--input", inFile, "--output", outFile);
        Assert.True(r.Exit == 0, r.ToString());
        float first = expected.ToArray<float>()[0];
        Assert.Contains("output: Float32 [2, 5]", r.Out);
        Assert.Contains(((double)first).ToString("G6", CultureInfo.InvariantCulture)[..5], r.Out);
        var written = Safetensors.Load(outFile);
        using (var y = Assert.Single(written).Value)
            Assert.Null(OnnxBackendTestRunner.Compare(y, expected, 1e-4, 1e-5));

        // name=FILE, and a TensorProto file.
        var named = CliRunner.Run("onnx", "run", Path.Combine(dir, "model.onnx"), "--input", "input=" + Path.Combine(dir, "test_data_set_0", "input_0.pb"));
        Assert.True(named.Exit == 0, named.ToString());
        Assert.Contains("output: Float32 [2, 5]", named.Out);
    }

    [Fact]
    public void RunShowsEveryOutputOfAMultiOutputModel()
    {
        string dir = TorchCase("lstm_opset13");
        var r = CliRunner.Run("onnx", "run", Path.Combine(dir, "model.onnx"), "-i", Path.Combine(dir, "test_data_set_0", "input_0.pb"));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("output: Float32 [2, 5, 4]", r.Out);
        Assert.Contains("h_n: Float32 [2, 2, 12]", r.Out);
        Assert.Contains("c_n: Float32 [2, 2, 12]", r.Out);
    }

    [Fact]
    public void TestRunsNodeCasesAndFoldersOfCases()
    {
        var r = CliRunner.Run("onnx", "test", NodeCase("test_abs"), NodeCase("test_add_bcast"), NodeCase("test_conv_with_strides_padding"), NodeCase("test_softmax_axis_1"));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Matches(@"test_add_bcast\s+1\s+pass", r.Out);
        Assert.Contains("4 passed, 0 failed, 4 total", r.Out);

        var torch = CliRunner.Run("onnx", "test", Path.Combine(AppContext.BaseDirectory, "fixtures", "torch_onnx"));
        Assert.True(torch.Exit == 0, torch.ToString());
        Assert.Contains("10 passed, 0 failed, 10 total", torch.Out);
    }

    [Fact]
    public void AFailingCaseIsReportedAndTheExitCodeIsNonZero()
    {
        using var temp = new CliTempDir();
        // test_abs with a wrong expected output.
        string bad = temp.File("test_abs_wrong");
        Directory.CreateDirectory(Path.Combine(bad, "test_data_set_0"));
        File.Copy(Path.Combine(NodeCase("test_abs"), "model.onnx"), Path.Combine(bad, "model.onnx"));
        File.Copy(Path.Combine(NodeCase("test_abs"), "test_data_set_0", "input_0.pb"), Path.Combine(bad, "test_data_set_0", "input_0.pb"));
        using (var x = OnnxBackendTestRunner.ReadTensor(Path.Combine(bad, "test_data_set_0", "input_0.pb")))
            OnnxBackendTestRunner.WriteTensor(Path.Combine(bad, "test_data_set_0", "output_0.pb"), x, "y");
        string good = temp.File("test_abs");
        Directory.CreateDirectory(good);
        foreach (var f in Directory.GetFiles(NodeCase("test_abs"), "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(good, Path.GetRelativePath(NodeCase("test_abs"), f));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(f, target);
        }

        var r = CliRunner.Run("onnx", "test", temp.Path);
        Assert.Equal(1, r.Exit);
        Assert.Matches(@"test_abs\s+1\s+pass", r.Out);
        Assert.Matches(@"test_abs_wrong\s+1\s+FAIL\s+\d+\s+output 0 'y': element \d+ is", r.Out);
        Assert.Contains("1 passed, 1 failed, 2 total", r.Out);
    }

    [Fact]
    public void BadInputIsOneClearLine()
    {
        using var temp = new CliTempDir();
        string model = TorchModel("cnn_opset17");
        string missing = temp.File("nope.onnx");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "info", missing), "ember onnx info", "nope.onnx", "does not exist");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "run", missing, "--input", "x.safetensors"), "ember onnx run", "nope.onnx");

        string garbage = temp.File("garbage.onnx");
        File.WriteAllBytes(garbage, [0xff, 0xff, 0xff, 0xff, 0x12, 0x34, 0x56]);
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "info", garbage), "garbage.onnx", "not a valid ONNX model");

        string wrongShape = temp.File("wrong.safetensors");
        using (var x = Tensor.Zeros([2, 4, 16, 16]))
            Safetensors.Save(wrongShape, new Dictionary<string, Tensor> { ["input"] = x });
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "run", model, "--input", wrongShape), "'input'", "[2, 4, 16, 16]");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "run", model, "--input", "pixels=" + wrongShape), "no input 'pixels'", "input: FLOAT[batch, 3, 16, 16]");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "run", model, "--input", temp.File("absent.safetensors")), "absent.safetensors", "does not exist");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "run", model), "--input is required");

        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "test", temp.File("nowhere")), "ember onnx test", "nowhere", "does not exist");
        string empty = temp.File("empty");
        Directory.CreateDirectory(empty);
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "test", empty), "holds no model.onnx");
        CliRunner.AssertOneLineError(CliRunner.Run("onnx", "test", empty, "--rtol", "abc"), "--rtol");
    }
}
