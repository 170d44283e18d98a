using System.Globalization;
using Ember.Models;
using Ember.Optim;
using Ember.Serialization;
using Ember.Text;

namespace Ember.Cli.Sequence;

/// <summary>
/// checkpoint.safetensors of a GPT run: the model ("model."), AdamW's state ("optimizer."), the data
/// generator's state ("rng.data") and, in the metadata, the optimizer steps taken and the tokenizer, so a
/// run resumes exactly and `ember gpt sample` decodes with the ids it was trained on. Safetensors writes
/// through a temporary file, so an interrupted save leaves the previous checkpoint whole.
/// </summary>
internal static class GptCheckpoint
{
    public const string FileName = "checkpoint.safetensors";
    const string Format = "ember-gpt-checkpoint";

    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, FileName);

    public static void Save(string path, Gpt model, Optimizer optimizer, Generator data, long step, ITokenizer tokenizer)
    {
        var tensors = new Dictionary<string, Tensor>();
        var owned = new List<Tensor>();
        try
        {
            foreach (var (k, t) in model.StateDict()) tensors["model." + k] = t;
            foreach (var (k, t) in optimizer.StateDict()) { owned.Add(t); tensors["optimizer." + k] = t; }
            var rng = Tensor.FromArray(data.GetState().Select(w => unchecked((long)w)).ToArray(), 6);
            owned.Add(rng);
            tensors["rng.data"] = rng;
            Safetensors.Save(path, tensors, new Dictionary<string, string>
            {
                ["format"] = Format,
                ["step"] = step.ToString(CultureInfo.InvariantCulture),
                ["tokenizer"] = Tokenizers.ToJson(tokenizer),
                ["model_config"] = model.Config.ToJson(),
            });
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>The steps taken and the tokenizer, from the header alone.</summary>
    public static (long Step, ITokenizer Tokenizer) ReadInfo(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{Path.GetDirectoryName(path)}' has no {FileName}; the run has not reached its first checkpoint (train it, or resume it with --resume).", path);
        var meta = Safetensors.ReadMetadata(path);
        if (!meta.TryGetValue("format", out var f) || f != Format || !meta.TryGetValue("step", out var s) || !meta.TryGetValue("tokenizer", out var tok))
            throw new InvalidDataException($"'{path}' is not a checkpoint written by `ember gpt train`.");
        return (long.Parse(s, CultureInfo.InvariantCulture), Tokenizers.FromJson(tok));
    }

    /// <summary>Loads the model weights, and when given the optimizer's and the data generator's state; returns the steps taken.</summary>
    public static long Load(string path, Gpt model, Optimizer? optimizer = null, Generator? data = null)
    {
        var (step, _) = ReadInfo(path);
        var tensors = Safetensors.Load(path);
        try
        {
            Dictionary<string, Tensor> Part(string prefix) => tensors.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            try { model.LoadStateDict(Part("model."), strict: true); }
            catch (ArgumentException e) { throw new InvalidDataException($"'{path}' does not hold this run's model ({model.Config}): {e.Message}", e); }
            optimizer?.LoadStateDict(Part("optimizer."));
            if (data is not null)
            {
                if (!tensors.TryGetValue("rng.data", out var words)) throw new InvalidDataException($"'{path}' lacks the data generator's state (rng.data).");
                data.SetState(words.ToArray<long>().Select(w => unchecked((ulong)w)).ToArray());
            }
            return step;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }
}
