using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using Ember.NN;
using Ember.Serialization;
using Module = Ember.NN.Module;

namespace Ember.Training;

/// <summary>
/// What a checkpoint says about the model it holds, read from the safetensors header alone (no tensor is
/// loaded): the model's name and architecture, the Ember version and time that wrote it, the epochs and steps
/// done, the best monitored value and the dtype of the weights. Entries a file lacks (one written by an
/// older Ember, or a weights-only file) are null.
/// </summary>
/// <param name="Model">The name given with <see cref="SetModelName"/> ("cnn"), else the model's type name ("Sequential").</param>
/// <param name="Architecture">The model as it prints (<c>model.ToString()</c>, PyTorch's layout).</param>
/// <param name="EmberVersion">The informational version of the Ember assembly that wrote the file.</param>
/// <param name="Created">When the file was written (UTC).</param>
/// <param name="Epoch">Epochs finished.</param>
/// <param name="GlobalStep">Optimizer steps taken.</param>
/// <param name="BestMetric">The best monitored value so far (NaN when nothing is monitored).</param>
/// <param name="DType">The dtype of the floating-point weights ("float32", "float64"; "mixed" when they differ).</param>
public sealed record CheckpointMetadata(string? Model, string? Architecture, string? EmberVersion, DateTimeOffset? Created,
    int? Epoch, long? GlobalStep, double? BestMetric, string? DType)
{
    public const string ModelKey = "model", ArchitectureKey = "architecture", EmberVersionKey = "ember_version",
        CreatedKey = "created", DTypeKey = "dtype";

    static readonly ConditionalWeakTable<Module, string> names = new();

    /// <summary>The version string written into checkpoints: Ember's informational version ("1.0.0+abc123").</summary>
    public static string CurrentEmberVersion { get; } =
        typeof(Tensor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Tensor).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>
    /// Names <paramref name="model"/> in the checkpoints written of it (the "model" entry), so that a program that
    /// trains several kinds of model can tell a checkpoint of one from another's before loading it.
    /// </summary>
    public static void SetModelName(Module model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        names.AddOrUpdate(model, name);
    }

    /// <summary>The name checkpoints of <paramref name="model"/> record: the one set with <see cref="SetModelName"/>, else its type name.</summary>
    public static string ModelNameOf(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (names.TryGetValue(model, out var name)) return name;
        var type = model.GetType().Name;
        int tick = type.IndexOf('`');
        return tick < 0 ? type : type[..tick];
    }

    /// <summary>The dtype of a model's floating-point weights, as PyTorch spells it; "mixed" when they differ, null when it has none.</summary>
    public static string? DTypeOf(Module model)
    {
        var dtypes = model.StateDict().Values.Select(t => t.DType).Where(d => d.IsFloatingPoint()).Distinct().ToList();
        return dtypes.Count switch { 0 => null, 1 => dtypes[0].TorchName(), _ => "mixed" };
    }

    /// <summary>The entries describing <paramref name="model"/> that <see cref="Checkpoint.Save"/> writes beside the training state.</summary>
    internal static Dictionary<string, string> Describe(Module model)
    {
        var d = new Dictionary<string, string>
        {
            [ModelKey] = ModelNameOf(model),
            [ArchitectureKey] = model.ToString(),
            [EmberVersionKey] = CurrentEmberVersion,
            [CreatedKey] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        if (DTypeOf(model) is { } dtype) d[DTypeKey] = dtype;
        return d;
    }

    /// <summary>Reads the metadata of the safetensors file at <paramref name="path"/> (any such file: absent entries are null).</summary>
    public static CheckpointMetadata Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return From(Safetensors.ReadMetadata(path), path);
    }

    /// <summary>The fields found in a header's metadata; a value that does not parse is an error naming the file.</summary>
    internal static CheckpointMetadata From(IReadOnlyDictionary<string, string> meta, string path)
    {
        string? Get(string key) => meta.TryGetValue(key, out var v) ? v : null;
        T? Parse<T>(string key) where T : struct, IParsable<T>
        {
            if (Get(key) is not { } s) return null;
            return T.TryParse(s, CultureInfo.InvariantCulture, out var v) ? v
                : throw new InvalidDataException($"Checkpoint: '{path}' has a metadata entry '{key}' of \"{s}\", which is not a valid {typeof(T).Name}.");
        }
        DateTimeOffset? created = null;
        if (Get(CreatedKey) is { } c)
            created = DateTimeOffset.TryParse(c, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t
                : throw new InvalidDataException($"Checkpoint: '{path}' has a metadata entry '{CreatedKey}' of \"{c}\", which is not a date and time.");
        return new CheckpointMetadata(Get(ModelKey), Get(ArchitectureKey), Get(EmberVersionKey), created,
            Parse<int>("epoch"), Parse<long>("global_step"), Parse<double>("best_metric"), Get(DTypeKey));
    }
}
