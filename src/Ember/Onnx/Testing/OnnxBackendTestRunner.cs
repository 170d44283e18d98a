using Ember.Onnx.Protos;

namespace Ember.Onnx.Testing;

/// <summary>The outcome of one backend test case: null <see cref="Failure"/> when every data set matched.</summary>
public sealed record OnnxBackendTestResult(string Name, string Directory, int DataSets, string? Failure, TimeSpan Elapsed)
{
    public bool Passed => Failure is null;
}

/// <summary>
/// Runs test cases in ONNX's backend layout — a folder with model.onnx and test_data_set_N/{input_K.pb,
/// output_K.pb} — and compares with ONNX's rules: the same output count, shapes and element types;
/// floats within |actual − expected| ≤ atol + rtol·|expected| (rtol 1e-3, atol 1e-7 by default), NaN
/// equal to NaN, infinities exactly; integers and bools exactly.
/// </summary>
public static class OnnxBackendTestRunner
{
    public const double DefaultRtol = 1e-3, DefaultAtol = 1e-7;

    /// <summary>
    /// The cases under <paramref name="path"/>: the folder itself when it holds model.onnx, otherwise its
    /// subfolders that do (one level down), in ordinal order.
    /// </summary>
    public static IReadOnlyList<string> FindCases(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"ONNX test: the folder '{path}' does not exist.");
        if (File.Exists(Path.Combine(path, "model.onnx"))) return [path];
        var cases = Directory.GetDirectories(path).Where(d => File.Exists(Path.Combine(d, "model.onnx")))
            .Order(StringComparer.Ordinal).ToArray();
        if (cases.Length == 0)
            throw new FileNotFoundException($"ONNX test: '{path}' holds no model.onnx, and neither does any folder inside it; expected ONNX's backend layout (model.onnx with test_data_set_N/input_K.pb and output_K.pb).");
        return cases;
    }

    /// <summary>Runs one case folder; any error (a model Ember cannot load, a missing file) is reported as its failure.</summary>
    public static OnnxBackendTestResult Run(string caseDir, double rtol = DefaultRtol, double atol = DefaultAtol)
    {
        ArgumentNullException.ThrowIfNull(caseDir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(caseDir)));
        var sets = Directory.Exists(caseDir)
            ? Directory.GetDirectories(caseDir, "test_data_set_*").Order(StringComparer.Ordinal).ToArray()
            : [];
        string? failure;
        try { failure = sets.Length == 0 ? "no test_data_set_N folder" : RunSets(caseDir, sets, rtol, atol); }
        catch (Exception e) { failure = $"{e.GetType().Name}: {e.Message}"; }
        return new OnnxBackendTestResult(name, caseDir, sets.Length, failure, clock.Elapsed);
    }

    static string? RunSets(string caseDir, string[] sets, double rtol, double atol)
    {
        using var model = OnnxModel.Load(Path.Combine(caseDir, "model.onnx"));
        foreach (var set in sets)
        {
            var inputs = new Dictionary<string, Tensor>();
            try
            {
                for (int k = 0; k < model.InputNames.Count; k++)
                    inputs[model.InputNames[k]] = ReadTensor(Path.Combine(set, $"input_{k}.pb"));
                int expectedCount = Directory.GetFiles(set, "output_*.pb").Length;
                var outputs = model.Run(inputs);
                try
                {
                    string where = sets.Length > 1 ? $"{Path.GetFileName(set)}: " : "";
                    if (outputs.Count != expectedCount) return $"{where}{outputs.Count} outputs, expected {expectedCount}";
                    for (int k = 0; k < model.OutputNames.Count; k++)
                    {
                        using var expected = ReadTensor(Path.Combine(set, $"output_{k}.pb"));
                        var why = Compare(outputs[model.OutputNames[k]], expected, rtol, atol);
                        if (why is not null) return $"{where}output {k} '{model.OutputNames[k]}': {why}";
                    }
                }
                finally { foreach (var t in outputs.Values) t.Dispose(); }
            }
            finally { foreach (var t in inputs.Values) t.Dispose(); }
        }
        return null;
    }

    /// <summary>Reads a serialized TensorProto (a .pb file of the backend layout).</summary>
    public static Tensor ReadTensor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX test: the tensor file '{path}' does not exist.", path);
        TensorProto proto;
        using (var fs = File.OpenRead(path))
        {
            try { proto = TensorProto.Parser.ParseFrom(fs); }
            catch (Google.Protobuf.InvalidProtocolBufferException e)
            {
                throw new InvalidDataException($"ONNX test: '{path}' is not a serialized TensorProto: {e.Message}", e);
            }
        }
        return OnnxTensors.ToTensor(proto, Path.GetDirectoryName(path), $"the test tensor '{proto.Name}' in '{path}'");
    }

    /// <summary>Writes a tensor as a serialized TensorProto named <paramref name="name"/>.</summary>
    public static void WriteTensor(string path, Tensor tensor, string name = "")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var proto = OnnxTensors.ToProto(tensor, name);
        using var fs = File.Create(path);
        Google.Protobuf.MessageExtensions.WriteTo(proto, fs);
    }

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/> by ONNX's rules, otherwise the first difference.</summary>
    public static string? Compare(Tensor actual, Tensor expected, double rtol = DefaultRtol, double atol = DefaultAtol)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(expected);
        if (!actual.Shape.SequenceEqual(expected.Shape))
            return $"shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}";
        if (actual.DType != expected.DType) return $"dtype {actual.DType}, expected {expected.DType}";
        if (!expected.DType.IsFloatingPoint())
        {
            var a = OnnxTensors.ToLongs(actual);
            var e = OnnxTensors.ToLongs(expected);
            for (int i = 0; i < a.Length; i++)
                if (a[i] != e[i]) return $"element {i} is {a[i]}, expected {e[i]}";
            return null;
        }
        var x = OnnxTensors.ToDoubles(actual);
        var y = OnnxTensors.ToDoubles(expected);
        for (int i = 0; i < x.Length; i++)
        {
            double a = x[i], b = y[i];
            if (double.IsNaN(b)) { if (!double.IsNaN(a)) return $"element {i} is {a}, expected NaN"; continue; }
            if (double.IsInfinity(b)) { if (a != b) return $"element {i} is {a}, expected {b}"; continue; }
            if (!(Math.Abs(a - b) <= atol + rtol * Math.Abs(b))) return $"element {i} is {a:R}, expected {b:R}";
        }
        return null;
    }
}
