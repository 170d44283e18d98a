using Ember.Onnx;
using Ember.Onnx.Protos;

namespace Ember.Tests.Onnx;

/// <summary>
/// Runs ONNX's node test cases (tests/onnx-node/node/&lt;case&gt;/model.onnx with test_data_set_N/input_K.pb
/// and output_K.pb) and compares with ONNX's rules: same output count, shapes and element types;
/// floats within |actual − expected| ≤ atol + rtol·|expected| (rtol 1e-3, atol 1e-7), NaN equal to NaN;
/// integers and bools exactly.
/// </summary>
internal static class OnnxNodeSuite
{
    public const double Rtol = 1e-3, Atol = 1e-7;

    /// <summary>tests/onnx-node, found by walking up from the test binaries to the repository root.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "tests", "onnx-node");
                if (Directory.Exists(Path.Combine(candidate, "node"))) return candidate;
            }
            throw new DirectoryNotFoundException($"tests/onnx-node/node was not found above {AppContext.BaseDirectory}.");
        }
    }

    public static IEnumerable<string> Cases() =>
        Directory.GetDirectories(Path.Combine(Root, "node")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal);

    /// <summary>Operator per case, from MANIFEST.tsv.</summary>
    public static Dictionary<string, string> Operators()
    {
        var map = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(Root, "MANIFEST.tsv")).Skip(1))
        {
            var cols = line.Split('\t');
            if (cols.Length > 1) map[cols[0]] = cols[1];
        }
        return map;
    }

    /// <summary>Null when the case passes, otherwise why it failed.</summary>
    public static string? Run(string name)
    {
        var dir = Path.Combine(Root, "node", name);
        try
        {
            using var model = OnnxModel.Load(Path.Combine(dir, "model.onnx"));
            foreach (var set in Directory.GetDirectories(dir, "test_data_set_*").Order(StringComparer.Ordinal))
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
                        if (outputs.Count != expectedCount) return $"{outputs.Count} outputs, expected {expectedCount}";
                        for (int k = 0; k < model.OutputNames.Count; k++)
                        {
                            using var expected = ReadTensor(Path.Combine(set, $"output_{k}.pb"));
                            var why = Compare(outputs[model.OutputNames[k]], expected);
                            if (why is not null) return $"output {k} '{model.OutputNames[k]}': {why}";
                        }
                    }
                    finally { foreach (var t in outputs.Values) t.Dispose(); }
                }
                finally { foreach (var t in inputs.Values) t.Dispose(); }
            }
            return null;
        }
        catch (Exception e)
        {
            return $"{e.GetType().Name}: {e.Message}";
        }
    }

    public static Tensor ReadTensor(string path)
    {
        using var fs = File.OpenRead(path);
        var proto = TensorProto.Parser.ParseFrom(fs);
        return OnnxTensors.ToTensor(proto, Path.GetDirectoryName(path), $"the test tensor '{proto.Name}'");
    }

    public static string? Compare(Tensor actual, Tensor expected)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
            return $"shape {Shapes.Format(actual.Shape)}, expected {Shapes.Format(expected.Shape)}";
        if (actual.DType != expected.DType) return $"dtype {actual.DType}, expected {expected.DType}";
        bool exact = !expected.DType.IsFloatingPoint();
        if (exact)
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
            if (!(Math.Abs(a - b) <= Atol + Rtol * Math.Abs(b))) return $"element {i} is {a:R}, expected {b:R}";
        }
        return null;
    }

    /// <summary>A short, stable reason for known_failures.tsv.</summary>
    public static string Reason(string failure)
    {
        if (failure.Contains("which Ember does not implement")) return "operator not implemented yet";
        var m = System.Text.RegularExpressions.Regex.Match(failure, @"element type (\w+), which Ember does not support");
        if (m.Success) return $"element type {m.Groups[1].Value} is not supported by Ember";
        if (failure.Contains("Ember runs only tensor inputs and outputs")) return "sequence and optional values are not supported";
        if (failure.Contains("training mode")) return "training mode is not supported";
        var first = failure.Split('\n')[0];
        return first.Length > 160 ? first[..160] : first;
    }
}
