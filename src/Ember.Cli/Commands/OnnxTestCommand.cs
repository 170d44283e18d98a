using System.CommandLine;
using System.Globalization;
using Ember.Onnx.Testing;

namespace Ember.Cli.Commands;

/// <summary>`ember onnx test`: runs test cases in ONNX's backend layout and prints a pass/fail table.</summary>
internal static class OnnxTestCommand
{
    public static Command Create()
    {
        var dirs = new Argument<string[]>("dirs")
        {
            Description = "Case folders (model.onnx with test_data_set_N/input_K.pb and output_K.pb), or folders of such folders.",
            Arity = ArgumentArity.OneOrMore,
        };
        var rtol = NumberOption.WithDefault("--rtol", "Relative tolerance for floating-point outputs.", OnnxBackendTestRunner.DefaultRtol);
        var atol = NumberOption.WithDefault("--atol", "Absolute tolerance for floating-point outputs (integers compare exactly).", OnnxBackendTestRunner.DefaultAtol);
        var cmd = new Command("test", "Run ONNX backend test cases with ONNX's tolerances; exit code 0 only when every case passes.") { dirs, rtol, atol };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("onnx test", io.Error, () => Run(r.GetValue(dirs)!, r.GetValue(rtol), r.GetValue(atol), io.Output));
        });
        return cmd;
    }

    static int Run(string[] dirs, double rtol, double atol, TextWriter output)
    {
        if (!(rtol >= 0) || !(atol >= 0)) throw new ArgumentException($"--rtol and --atol must be at least 0, got {rtol} and {atol}.");
        // Every folder is checked before anything runs.
        var cases = dirs.SelectMany(OnnxBackendTestRunner.FindCases).ToArray();
        var results = cases.Select(c => OnnxBackendTestRunner.Run(c, rtol, atol)).ToArray();
        var inv = CultureInfo.InvariantCulture;
        int width = Math.Max(4, results.Max(r => r.Name.Length));
        output.WriteLine($"{"case".PadRight(width)}  {"sets",4}  {"result",-6}  {"ms",7}  reason");
        foreach (var r in results)
        {
            string reason = r.Failure is null ? "" : CliErrors.OneLine(r.Failure);
            if (reason.Length > 200) reason = reason[..200] + "…";
            output.WriteLine($"{r.Name.PadRight(width)}  {r.DataSets,4}  {(r.Passed ? "pass" : "FAIL"),-6}  {r.Elapsed.TotalMilliseconds.ToString("F0", inv),7}  {reason}".TrimEnd());
        }
        int passed = results.Count(r => r.Passed);
        output.WriteLine($"{passed} passed, {results.Length - passed} failed, {results.Length} total (rtol {rtol.ToString("G", inv)}, atol {atol.ToString("G", inv)})");
        return passed == results.Length ? 0 : 1;
    }
}
