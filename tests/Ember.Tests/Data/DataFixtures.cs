using System.Text.Json;

namespace Ember.Tests.Data;

/// <summary>fixtures/data.json, written by fixtures/make_data_fixtures.py.</summary>
public static class DataFixtures
{
    static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "data.json"))).RootElement);

    public static JsonElement Idx(string split) => Root.Value.GetProperty("idx").EnumerateArray().Single(e => e.GetProperty("split").GetString() == split);

    public static IEnumerable<JsonElement> Rotations => Root.Value.GetProperty("rotations").EnumerateArray();

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
}
