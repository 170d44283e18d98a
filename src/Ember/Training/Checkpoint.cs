using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ember.Optim;
using Ember.Serialization;

namespace Ember.Training;

/// <summary>What a checkpoint says about the run it was written in.</summary>
public sealed record CheckpointInfo(int Epoch, long GlobalStep, double BestMetric, History History, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// One safetensors file holding everything needed to resume a <see cref="Trainer"/> run exactly: the model's
/// state dict ("model."), the optimizer's ("optimizer."), the schedules' ("scheduler.", "plateau."), the states
/// of the registered generators ("rng.&lt;name&gt;", six Int64 words each), and, in the header's metadata,
/// the epochs finished, the global step, the training loader's seed, the best monitored value, the callbacks'
/// counters and the history as JSON, and what <see cref="CheckpointMetadata"/> reads: the model's name and architecture,
/// the Ember version, the time of writing and the weights' dtype. The data order resumes because the trainer sets each loader's epoch, and a loader's order is a
/// function of (seed, epoch). Writing goes to a temporary file renamed over the target, so a crash leaves the
/// previous file whole.
/// </summary>
public static class Checkpoint
{
    const string Format = "ember-checkpoint";
    static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Writes the state of <paramref name="trainer"/> and its model, optimizer, schedules, generators and callbacks to <paramref name="path"/>.</summary>
    public static void Save(string path, Trainer trainer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(trainer);
        var tensors = new Dictionary<string, Tensor>();
        var owned = new List<Tensor>(); // the copies made here; the model's tensors are its own
        try
        {
            foreach (var (k, t) in trainer.Model.StateDict()) tensors["model." + k] = t;
            AddOwned(tensors, owned, "optimizer.", trainer.Optimizer.StateDict());
            var schedulers = Schedulers(trainer);
            for (int i = 0; i < schedulers.Count; i++) AddOwned(tensors, owned, SchedulerPrefix(i), schedulers[i].StateDict());
            if (Plateau(trainer) is { } plateau) AddOwned(tensors, owned, "plateau.", plateau.StateDict());
            foreach (var (name, g) in trainer.Generators)
            {
                var t = Tensor.FromArray(g.GetState().Select(w => unchecked((long)w)).ToArray(), 6);
                owned.Add(t);
                tensors["rng." + name] = t;
            }
            var callbacks = CallbackStates(trainer);
            var metadata = new Dictionary<string, string>
            {
                ["format"] = Format,
                ["version"] = "1",
                ["epoch"] = trainer.Epoch.ToString(CultureInfo.InvariantCulture),
                ["global_step"] = trainer.GlobalStep.ToString(CultureInfo.InvariantCulture),
                ["best_metric"] = BestOf(callbacks).ToString("R", CultureInfo.InvariantCulture),
                ["num_threads"] = Threading.NumThreads.ToString(CultureInfo.InvariantCulture),
                ["generators"] = string.Join(",", trainer.Generators.Keys),
                ["callbacks"] = JsonSerializer.Serialize(callbacks, Json),
                ["history"] = trainer.History.ToJson(),
            };
            if (trainer.DataSeed is { } seed) metadata["data_seed"] = seed.ToString(CultureInfo.InvariantCulture);
            foreach (var (k, v) in CheckpointMetadata.Describe(trainer.Model)) metadata[k] = v;
            Safetensors.Save(path, tensors, metadata);
        }
        finally
        {
            foreach (var t in owned) t.Dispose();
        }
    }

    /// <summary>
    /// Restores a checkpoint into <paramref name="trainer"/>, which must be built like the one that wrote it
    /// (same model, optimizer groups, schedules and registered generators): a model that does not fit fails
    /// with one error naming every mismatched key. The next <see cref="Trainer.Fit"/> continues at the epoch
    /// after the checkpoint's.
    /// </summary>
    public static CheckpointInfo Load(string path, Trainer trainer)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(trainer);
        var info = ReadInfo(path);
        var tensors = Safetensors.Load(path);
        try
        {
            var parts = Split(tensors);
            var schedulers = Schedulers(trainer);
            // Check what the trainer and the file must agree on before changing anything.
            var missingRng = trainer.Generators.Keys.Where(n => !tensors.ContainsKey("rng." + n)).ToList();
            var extraRng = tensors.Keys.Where(k => k.StartsWith("rng.", StringComparison.Ordinal) && !trainer.Generators.ContainsKey(k[4..])).Select(k => k[4..]).ToList();
            if (missingRng.Count > 0 || extraRng.Count > 0)
                throw new ArgumentException($"Checkpoint.Load: '{path}' has generator states for [{string.Join(", ", parts.Generators)}] but the trainer registers [{string.Join(", ", trainer.Generators.Keys)}]; register the same generators under the same names.");
            if (parts.Schedulers.Count != schedulers.Count)
                throw new ArgumentException($"Checkpoint.Load: '{path}' holds {parts.Schedulers.Count} learning-rate schedule(s), but the trainer has {schedulers.Count}.");
            if ((parts.Plateau.Count > 0) != (Plateau(trainer) != null))
                throw new ArgumentException($"Checkpoint.Load: '{path}' {(parts.Plateau.Count > 0 ? "holds" : "has no")} ReduceLROnPlateau state, but the trainer {(Plateau(trainer) != null ? "has one" : "has none")}.");

            try { trainer.Model.LoadStateDict(parts.Model, strict: true); }
            catch (ArgumentException e)
            {
                string expected = CheckpointMetadata.ModelNameOf(trainer.Model);
                string held = info.Metadata.TryGetValue(CheckpointMetadata.ModelKey, out var m) ? $"'{path}' holds a '{m}' model, which" : $"the model in '{path}'";
                throw new ArgumentException($"Checkpoint.Load: {held} does not fit this '{expected}' model. {e.Message}", e);
            }
            trainer.Optimizer.LoadStateDict(parts.Optimizer);
            for (int i = 0; i < schedulers.Count; i++) schedulers[i].LoadStateDict(parts.Schedulers[i]);
            Plateau(trainer)?.LoadStateDict(parts.Plateau);
            foreach (var (name, g) in trainer.Generators)
            {
                using var words = tensors["rng." + name].To(DType.Int64);
                g.SetState(words.ToArray<long>().Select(w => unchecked((ulong)w)).ToArray());
            }
            RestoreCallbacks(trainer, info.Metadata);
            trainer.Epoch = info.Epoch;
            trainer.GlobalStep = info.GlobalStep;
            trainer.History = info.History;
            trainer.DataSeed = info.Metadata.TryGetValue("data_seed", out var ds) ? ulong.Parse(ds, CultureInfo.InvariantCulture) : null;
            return info;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The checkpoint's epoch, step, best value and history, read from the header alone.</summary>
    public static CheckpointInfo ReadInfo(string path)
    {
        var meta = Safetensors.ReadMetadata(path);
        if (!meta.TryGetValue("format", out var f) || f != Format)
            throw new InvalidDataException($"Checkpoint: '{path}' is not a training checkpoint (its metadata has no \"format\": \"{Format}\"); a weights-only file loads with Module.Load.");
        string Need(string key) => meta.TryGetValue(key, out var v) ? v
            : throw new InvalidDataException($"Checkpoint: '{path}' lacks the metadata entry '{key}'.");
        return new CheckpointInfo(
            int.Parse(Need("epoch"), CultureInfo.InvariantCulture),
            long.Parse(Need("global_step"), CultureInfo.InvariantCulture),
            double.Parse(Need("best_metric"), CultureInfo.InvariantCulture),
            History.FromJson(Need("history")),
            meta);
    }

    static void AddOwned(Dictionary<string, Tensor> into, List<Tensor> owned, string prefix, Dictionary<string, Tensor> from)
    {
        foreach (var (k, t) in from)
        {
            owned.Add(t);
            into[prefix + k] = t;
        }
    }

    static string SchedulerPrefix(int i) => i == 0 ? "scheduler." : $"scheduler{i}.";

    /// <summary>The trainer's schedule, then those of its LearningRateScheduler callbacks, in order.</summary>
    static List<LRScheduler> Schedulers(Trainer trainer)
    {
        var list = new List<LRScheduler>();
        if (trainer.Scheduler != null) list.Add(trainer.Scheduler);
        foreach (var c in trainer.Callbacks)
            if (c is LearningRateScheduler { Scheduler: { } s } && !list.Contains(s)) list.Add(s);
        return list;
    }

    static ReduceLROnPlateau? Plateau(Trainer trainer)
        => trainer.Plateau ?? trainer.Callbacks.OfType<LearningRateScheduler>().Select(c => c.Plateau).FirstOrDefault(p => p != null);

    sealed record Parts(Dictionary<string, Tensor> Model, Dictionary<string, Tensor> Optimizer, List<Dictionary<string, Tensor>> Schedulers,
        Dictionary<string, Tensor> Plateau, List<string> Generators);

    static Parts Split(Dictionary<string, Tensor> tensors)
    {
        var p = new Parts([], [], [], [], []);
        var sched = new SortedDictionary<int, Dictionary<string, Tensor>>();
        foreach (var (k, t) in tensors)
        {
            int dot = k.IndexOf('.');
            string head = dot < 0 ? k : k[..dot], rest = dot < 0 ? "" : k[(dot + 1)..];
            if (head == "model") p.Model[rest] = t;
            else if (head == "optimizer") p.Optimizer[rest] = t;
            else if (head == "plateau") p.Plateau[rest] = t;
            else if (head == "rng") p.Generators.Add(rest);
            else if (head.StartsWith("scheduler", StringComparison.Ordinal)
                && (head.Length == 9 || int.TryParse(head.AsSpan(9), NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                int i = head.Length == 9 ? 0 : int.Parse(head.AsSpan(9), CultureInfo.InvariantCulture);
                if (!sched.TryGetValue(i, out var d)) sched[i] = d = [];
                d[rest] = t;
            }
            else throw new InvalidDataException($"Checkpoint.Load: unexpected tensor '{k}'; checkpoint tensors start with model., optimizer., scheduler., plateau. or rng.");
        }
        p.Schedulers.AddRange(sched.Values);
        return p;
    }

    static Dictionary<string, Dictionary<string, double>> CallbackStates(Trainer trainer)
    {
        var states = new Dictionary<string, Dictionary<string, double>>();
        foreach (var (key, c) in KeyedCallbacks(trainer))
            if (c.GetState() is { } s) states[key] = s;
        return states;
    }

    static void RestoreCallbacks(Trainer trainer, IReadOnlyDictionary<string, string> meta)
    {
        if (!meta.TryGetValue("callbacks", out var json)) return;
        var states = JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, double>>>(json, Json) ?? [];
        foreach (var (key, c) in KeyedCallbacks(trainer))
            if (states.TryGetValue(key, out var s)) c.SetState(s);
    }

    // "EarlyStopping#0": the type and its position among callbacks of that type.
    static IEnumerable<(string Key, Callback Callback)> KeyedCallbacks(Trainer trainer)
    {
        var seen = new Dictionary<string, int>();
        foreach (var c in trainer.Callbacks)
        {
            string type = c.GetType().Name;
            seen[type] = seen.TryGetValue(type, out var n) ? n + 1 : 0;
            yield return ($"{type}#{seen[type]}", c);
        }
    }

    static double BestOf(Dictionary<string, Dictionary<string, double>> states)
    {
        foreach (var s in states.Values) if (s.TryGetValue("best", out var b)) return b;
        return double.NaN;
    }
}
