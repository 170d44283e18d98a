using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace Ember.Tests.Onnx;

/// <summary>
/// ONNX's node conformance cases. Every case runs; the cases listed in known_failures.tsv must fail
/// and all others must pass, so a regression fails the test and so does a listed case that now passes.
/// </summary>
public class OnnxConformanceTests(ITestOutputHelper output)
{

    static Dictionary<string, string> KnownFailures()
    {
        // The list lives next to this file in the source tree.
        var path = Path.Combine(OnnxNodeSuite.Root, "..", "Ember.Tests", "Onnx", "known_failures.tsv");
        var map = new Dictionary<string, string>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            if (line.Length == 0) continue;
            var cols = line.Split('\t');
            map[cols[0]] = cols.Length > 1 ? cols[1] : "";
        }
        return map;
    }

    [Fact]
    public void EveryNodeCaseMatchesTheKnownFailureList()
    {
        var known = KnownFailures();
        var operators = OnnxNodeSuite.Operators();
        var cases = OnnxNodeSuite.Cases().ToArray();
        Assert.Equal(873, cases.Length);
        var failures = new Dictionary<string, string>();
        foreach (var name in cases)
            if (OnnxNodeSuite.Run(name) is { } why) failures[name] = why;

        // Per-operator table.
        var table = new StringBuilder();
        table.AppendLine($"{"operator",-24} {"pass",5} {"fail",5}");
        foreach (var g in cases.GroupBy(c => operators.GetValueOrDefault(c, "?")).OrderBy(g => g.Key, StringComparer.Ordinal))
            table.AppendLine($"{g.Key,-24} {g.Count(c => !failures.ContainsKey(c)),5} {g.Count(failures.ContainsKey),5}");
        table.AppendLine($"{"total",-24} {cases.Length - failures.Count,5} {failures.Count,5}");
        output.WriteLine(table.ToString());

        // The current failures, in known_failures.tsv's format, for updating the list.
        var current = new StringBuilder("test_name\treason\n");
        foreach (var (name, why) in failures.OrderBy(f => f.Key, StringComparer.Ordinal))
            current.Append(name).Append('\t').Append(OnnxNodeSuite.Reason(why)).Append('\n');
        File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "onnx_current_failures.tsv"), current.ToString());

        var regressions = failures.Keys.Where(n => !known.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray();
        var nowPassing = known.Keys.Where(n => !failures.ContainsKey(n)).Order(StringComparer.Ordinal).ToArray();
        var unknownNames = known.Keys.Where(n => !cases.Contains(n)).ToArray();
        foreach (var n in regressions) output.WriteLine($"REGRESSION {n}: {failures[n]}");
        foreach (var n in nowPassing) output.WriteLine($"NOW PASSING (remove from known_failures.tsv) {n}");
        Assert.True(regressions.Length == 0,
            $"{regressions.Length} node cases fail that are not in known_failures.tsv:\n" + string.Join("\n", regressions.Take(40).Select(n => $"{n}: {failures[n]}")));
        Assert.True(nowPassing.Length == 0,
            $"{nowPassing.Length} cases in known_failures.tsv now pass; remove them from the list:\n" + string.Join("\n", nowPassing));
        Assert.True(unknownNames.Length == 0, $"known_failures.tsv names cases that do not exist: {string.Join(", ", unknownNames)}");
    }
}
