using System.Text.Json;
using System.Text.Json.Nodes;

namespace Ember.Cli.Sequence;

/// <summary>
/// The folder of an `ember rnn` example: config.json (its "format" names the example), model.safetensors,
/// metrics.csv and summary.json. A new run replaces the files of an earlier run of the same example, and refuses
/// a folder that holds another kind of run.
/// </summary>
internal static class RnnRunFolder
{
    public const string Config = "config.json", Model = "model.safetensors", Metrics = "metrics.csv", Summary = "summary.json";

    public static void Prepare(string dir, string format, JsonObject config)
    {
        string path = Path.Combine(dir, Config);
        if (File.Exists(path))
        {
            string? found = null;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(path));
                if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String) found = f.GetString();
            }
            catch (JsonException) { }
            if (found != format)
                throw new InvalidOperationException($"'{dir}' holds another kind of run ({found ?? "an unreadable config.json"}); choose another folder with --out.");
        }
        Directory.CreateDirectory(dir);
        config["format"] = format;
        Runs.RunArtifacts.SaveSummary(config, path);
    }

    /// <summary>0 … n−1 in an order drawn from <paramref name="generator"/> (Fisher–Yates).</summary>
    public static int[] Shuffle(int n, Generator generator)
    {
        var order = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)generator.NextInt64(0, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>Sets the thread count, checking the value.</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1, got {threads}.");
        Threading.SetNumThreads(threads ?? Environment.ProcessorCount);
    }
}
