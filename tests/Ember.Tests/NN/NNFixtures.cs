using System.Text.Json;

namespace Ember.Tests;

/// <summary>fixtures/nn.json (written by fixtures/make_nn_fixtures.py): its op cases and its other sections.</summary>
public static class NNFixtures
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("nn.json"));
    static readonly Lazy<JsonElement> root = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "nn.json")));
        return doc.RootElement.Clone();
    });

    public static IReadOnlyCollection<FixtureCase> Cases => cases.Value.Values;
    public static FixtureCase Case(string name) => cases.Value[name];

    /// <summary>A top-level section other than "cases": "modules" or "init".</summary>
    public static JsonElement Section(string name) => root.Value.GetProperty(name);

    public static string[] Strings(JsonElement e) => e.EnumerateArray().Select(v => v.GetString()!).ToArray();
    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
