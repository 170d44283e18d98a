using System.Text.Json;
using Ember.Serialization;
using Xunit;

namespace Ember.Tests.Attention;

/// <summary>The files fixtures/make_attention_fixtures.py writes into fixtures/attention/, loaded once.</summary>
public static class AttentionFixtures
{
    static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "attention");

    static readonly Lazy<Dictionary<string, Tensor>> sdpa = new(() => Safetensors.Load(Path.Combine(Dir, "sdpa.safetensors")));
    static readonly Lazy<Dictionary<string, Tensor>> modules = new(() => Safetensors.Load(Path.Combine(Dir, "modules.safetensors")));

    public static Tensor Sdpa(string name) => sdpa.Value[name];
    public static bool HasSdpa(string name) => sdpa.Value.ContainsKey(name);
    public static Tensor Module(string name) => modules.Value[name];
    public static bool HasModule(string name) => modules.Value.ContainsKey(name);

    /// <summary>The tensors of a module case whose names start with prefix, the prefix removed.</summary>
    public static Dictionary<string, Tensor> ModulePrefixed(string prefix)
        => modules.Value.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    public static JsonElement[] Cases(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Dir, file)));
        return doc.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public static IEnumerable<object[]> CaseNames(string file) => Cases(file).Select(c => new object[] { c.GetProperty("name").GetString()! });

    public static JsonElement Case(string file, string name) => Cases(file).Single(c => c.GetProperty("name").GetString() == name);

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise, NaN matching NaN.</summary>
    public static void Close(Tensor expected, Tensor? actual, double atol, double rtol, string what)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Shape, actual!.Shape);
        using var e64 = expected.To(DType.Float64);
        using var a64 = actual.To(DType.Float64);
        var e = e64.ToArray<double>();
        var a = a64.ToArray<double>();
        for (int i = 0; i < e.Length; i++)
        {
            if (double.IsNaN(e[i])) { Assert.True(double.IsNaN(a[i]), $"{what}[{i}]: expected NaN, got {a[i]}"); continue; }
            double err = Math.Abs(a[i] - e[i]);
            Assert.True(err <= atol + rtol * Math.Abs(e[i]), $"{what}[{i}]: expected {e[i]:R}, got {a[i]:R} (error {err:E2})");
        }
    }
}
