using Ember.Onnx.Testing;

namespace Ember.Tests.Onnx;

/// <summary>
/// ONNX's node test cases (tests/onnx-node/node/&lt;case&gt;/model.onnx with test_data_set_N/input_K.pb
/// and output_K.pb), run and compared by <see cref="OnnxBackendTestRunner"/> with ONNX's rules.
/// </summary>
internal static class OnnxNodeSuite
{
    public const double Rtol = OnnxBackendTestRunner.DefaultRtol, Atol = OnnxBackendTestRunner.DefaultAtol;

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

    /// <summary>Null when the case passes, otherwise why it failed (run by the library's backend test runner).</summary>
    public static string? Run(string name) => OnnxBackendTestRunner.Run(Path.Combine(Root, "node", name), Rtol, Atol).Failure;

    public static Tensor ReadTensor(string path) => OnnxBackendTestRunner.ReadTensor(path);

    public static string? Compare(Tensor actual, Tensor expected) => OnnxBackendTestRunner.Compare(actual, expected, Rtol, Atol);

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
