using Ember.Cli.Models;
using Ember.NN;
using Ember.Serialization;
using Ember.Training;

namespace Ember.Cli.Runs;

/// <summary>Finding a run's checkpoint and loading its weights into a freshly built model of the run's kind.</summary>
internal static class RunWeights
{
    public const string Best = "best.safetensors", Last = "last.safetensors";

    /// <summary>The checkpoint to use: "best" (falling back to "last" when no epoch has finished with a best yet) or "last".</summary>
    public static string Find(string runDirectory, string which)
    {
        string best = Path.Combine(runDirectory, Best), last = Path.Combine(runDirectory, Last);
        string path = which switch
        {
            "best" => File.Exists(best) ? best : last,
            "last" => last,
            _ => throw new ArgumentException($"--checkpoint: expected 'best' or 'last', got '{which}'."),
        };
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{runDirectory}' has no checkpoint ({Best} or {Last}); train the run first or finish an epoch.", path);
        return path;
    }

    /// <summary>
    /// Checks that the checkpoint at <paramref name="path"/> holds the weights of <paramref name="expected"/>
    /// (a training checkpoint's "model." tensors, or a plain state dict), naming the model it does hold otherwise:
    /// the one its metadata names, or for a file without that entry, the one its tensors' names and shapes match.
    /// </summary>
    public static string CheckModel(string path, ModelSpec expected, string configPath)
    {
        var names = Safetensors.ReadHeader(path).Select(t => t.Name).ToList();
        string prefix = names.Count > 0 && names.All(n => !n.StartsWith("model.", StringComparison.Ordinal)) ? "" : "model.";
        if (CheckpointMetadata.Read(path).Model is { } named && ModelZoo.All.Any(m => m.Name == named))
        {
            if (named != expected.Name)
                throw new InvalidDataException($"'{path}' holds the weights of a '{named}' model (per its metadata), but '{configPath}' says the run trains '{expected.Name}'; it comes from another run.");
            return prefix;
        }
        var found = ModelZoo.Identify(path, prefix);
        if (found is null)
            throw new InvalidDataException($"'{path}' does not hold the weights of any of ember's models ({ModelZoo.Names}); its tensors do not match '{expected.Name}' from '{configPath}'.");
        if (found.Name != expected.Name)
            throw new InvalidDataException($"'{path}' holds the weights of a '{found.Name}' model, but '{configPath}' says the run trains '{expected.Name}'; it comes from another run.");
        return prefix;
    }

    /// <summary>Loads the model weights of a checkpoint, after <see cref="CheckModel"/>.</summary>
    public static void Load(Module<Tensor, Tensor> model, string path, ModelSpec spec, string configPath)
    {
        string prefix = CheckModel(path, spec, configPath);
        var tensors = Safetensors.Load(path);
        try
        {
            var state = tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            model.LoadStateDict(state, strict: true);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
