using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// A set of parameters that share hyper-parameters, as an entry of PyTorch's <c>optimizer.param_groups</c>.
/// Hyper-parameters are numbers keyed by PyTorch's names ("lr", "momentum", "weight_decay", "beta1",
/// "beta2", ...; flags such as "nesterov" are 0 or 1). Keys the group leaves out take the optimizer's
/// defaults when the group is added; schedulers add their own keys ("initial_lr", "max_lr", ...).
/// <code>new SGD([new ParamGroup(body.Parameters()), new ParamGroup(head.Parameters(), lr: 0.1) { ["momentum"] = 0.9 }], lr: 0.01)</code>
/// </summary>
public sealed class ParamGroup
{
    readonly Dictionary<string, double> options = [];

    public ParamGroup(IEnumerable<Parameter> parameters, double? lr = null, double? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Params = parameters.ToArray();
        if (lr is { } l) options["lr"] = l;
        if (weightDecay is { } w) options["weight_decay"] = w;
    }

    /// <summary>The parameters of this group, in the order the optimizer numbers them.</summary>
    public IReadOnlyList<Parameter> Params { get; }

    /// <summary>A hyper-parameter by its PyTorch name; reading a missing one is an error that lists the known ones.</summary>
    public double this[string key]
    {
        get => options.TryGetValue(key, out var v) ? v
            : throw new KeyNotFoundException($"ParamGroup: no hyper-parameter '{key}'; this group has {string.Join(", ", options.Keys)}.");
        set => options[key] = value;
    }

    public bool Has(string key) => options.ContainsKey(key);

    /// <summary>The hyper-parameters, by name.</summary>
    public IReadOnlyDictionary<string, double> Options => options;

    /// <summary>"lr".</summary>
    public double LearningRate { get => this["lr"]; set => options["lr"] = value; }

    /// <summary>"weight_decay".</summary>
    public double WeightDecay { get => this["weight_decay"]; set => options["weight_decay"] = value; }

    internal bool Flag(string key) => this[key] != 0;

    internal void SetDefault(string key, double value) => options.TryAdd(key, value);
}
