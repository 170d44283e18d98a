using System.Numerics;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Owns parameter groups (parameters with their hyper-parameters) and per-parameter state, as
/// torch.optim.Optimizer; a subclass supplies the update rule for one parameter, which runs as one
/// fused pass over its elements (Float32 or Float64). Parameters are numbered across groups in order,
/// as in PyTorch's state_dict.
/// </summary>
public abstract partial class Optimizer
{
    readonly List<ParamGroup> groups = [];
    readonly List<Parameter> parameters = [];
    readonly List<ParamState?> states = [];
    readonly Dictionary<string, double> defaults;

    /// <param name="groups">The parameter groups; keys a group leaves out take <paramref name="defaults"/>.</param>
    /// <param name="defaults">Every hyper-parameter of the optimizer, by PyTorch name.</param>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, double> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        this.defaults = new(defaults);
        Validate(this.defaults, "");
        var list = groups.ToList();
        if (list.All(g => g is not null && g.Params.Count == 0)) throw new ArgumentException($"{Name}: the parameter list is empty.");
        foreach (var g in list) AddParamGroup(g);
    }

    /// <summary>One group holding <paramref name="parameters"/>, for the constructors that take plain parameters.</summary>
    protected static ParamGroup[] OneGroup(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return [new ParamGroup(parameters)];
    }

    string Name => GetType().Name;

    /// <summary>The names of the per-parameter state buffers, by slot (PyTorch's state keys).</summary>
    protected abstract string[] StateNames { get; }

    /// <summary>Throws an ArgumentException naming the optimizer and the value when a hyper-parameter is out of range.</summary>
    /// <param name="h">The hyper-parameters, by PyTorch name.</param>
    /// <param name="where">"" for the constructor's defaults, else " in parameter group k".</param>
    protected abstract void Validate(IReadOnlyDictionary<string, double> h, string where);

    /// <summary>The update rule: change <paramref name="param"/> in place given its gradient and its state (Step already counts this update).</summary>
    protected abstract void Update<T>(ParamGroup group, ParamState state, Span<T> param, ReadOnlySpan<T> grad)
        where T : unmanaged, IFloatingPointIeee754<T>;

    protected void Require(bool ok, IReadOnlyDictionary<string, double> h, string key, string what, string rule, string where)
    {
        if (!ok) throw new ArgumentException($"{Name}: invalid {what} {h[key]}{where}; {rule}.");
    }

    /// <summary>The parameter groups, each with its own hyper-parameters (schedulers change their "lr").</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => groups;

    /// <summary>The constructor's hyper-parameters, which groups take for the keys they leave out.</summary>
    public IReadOnlyDictionary<string, double> Defaults => defaults;

    /// <summary>
    /// The learning rate. Setting it sets every group's; reading it gives the first group's (with groups
    /// of different rates, read <see cref="ParamGroups"/>[i].LearningRate instead).
    /// </summary>
    public double LearningRate
    {
        get => groups[0].LearningRate;
        set
        {
            if (!(value >= 0)) throw new ArgumentOutOfRangeException(nameof(value), value, $"{Name}: the learning rate must be non-negative, got {value}.");
            foreach (var g in groups) g.LearningRate = value;
        }
    }

    /// <summary>How many times <see cref="Step"/> has run.</summary>
    public long StepCount { get; private set; }

    /// <summary>The state of a parameter of this optimizer (null until its first update).</summary>
    public ParamState? State(Parameter parameter)
    {
        int i = parameters.IndexOf(parameter);
        if (i < 0) throw new ArgumentException($"{Name}: the parameter of shape [{string.Join(", ", parameter.Shape)}] is not one this optimizer updates.");
        return states[i];
    }

    /// <summary>Adds a group (PyTorch's add_param_group): missing hyper-parameters take the defaults; a parameter may belong to one group only.</summary>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        foreach (var (k, v) in defaults) group.SetDefault(k, v);
        string where = $" in parameter group {groups.Count}";
        Validate(group.Options, where);
        if (group.Params.Count == 0) throw new ArgumentException($"{Name}: parameter group {groups.Count} has no parameters.");
        var seen = new HashSet<Parameter>(parameters, ReferenceEqualityComparer.Instance);
        foreach (var p in group.Params)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(group));
            if (!seen.Add(p))
                throw new ArgumentException($"{Name}: a parameter of shape [{string.Join(", ", p.Shape)}]{where} appears more than once among the groups; each parameter belongs to one group.");
            if (p.DType is not (DType.Float32 or DType.Float64))
                throw new ArgumentException($"{Name}: a parameter of shape [{string.Join(", ", p.Shape)}]{where} is {p.DType}; optimizers update Float32 and Float64 parameters.");
        }
        groups.Add(group);
        foreach (var p in group.Params) { parameters.Add(p); states.Add(null); }
    }

    /// <summary>Drops every gradient (PyTorch's default set_to_none).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.ZeroGrad();
    }

    /// <summary>Updates every parameter that has a gradient; parameters without one keep their value and state.</summary>
    public void Step()
    {
        StepCount++;
        var updates = pendingUpdates;
        updates.Clear();
        long elements = 0;
        int index = 0;
        for (int gi = 0; gi < groups.Count; gi++)
        {
            var group = groups[gi];
            for (int j = 0; j < group.Params.Count; j++, index++)
            {
                var p = group.Params[j];
                // A disposed parameter has no gradient and would be skipped forever without a word.
                if (p.IsDisposed)
                    throw new ObjectDisposedException(Name, $"{Name}: parameter {index} was disposed (Module.To replaces parameters, for one); create the optimizer from the model's current parameters.");
                if (p.Grad is not { } grad) continue;
                if (!p.IsContiguous)
                    throw new NotSupportedException($"{Name}: parameter {index} (shape [{string.Join(", ", p.Shape)}]) is not contiguous; optimizers update contiguous parameters.");
                var state = states[index] ??= new ParamState(p, StateNames.Length);
                state.Step++;
                updates.Add(new PendingUpdate(group, state, p, grad));
                elements += p.NumElements;
            }
        }

        // Each parameter's update touches only its own tensors, so parameters can go to different
        // threads, largest first so the last ones to be handed out are short.
        if (UpdatesAreIndependent && updates.Count > 1 && elements >= ParallelMinElements && Threading.NumThreads > 1)
            ApplyInParallel(updates);
        else
            foreach (var u in updates) u.Apply(this);
        foreach (var u in updates) u.Param.BumpVersion();
        updates.Clear();
    }

    // Apart from Step so that its closure is only allocated when the updates are spread.
    void ApplyInParallel(List<PendingUpdate> updates)
    {
        updates.Sort(LargestFirst);
        Parallelism.Run(updates.Count, i => updates[i].Apply(this));
    }

    static readonly Comparison<PendingUpdate> LargestFirst = (x, y) => y.Param.NumElements.CompareTo(x.Param.NumElements);

    /// <summary>
    /// Whether <see cref="Update"/> reads and writes nothing but the parameter, its gradient, its state
    /// and its group's settings, so that parameters may be updated on several threads at once. Every
    /// optimizer here says yes; a derived one says so by overriding this.
    /// </summary>
    protected virtual bool UpdatesAreIndependent => false;

    /// <summary>Parameter elements per step from which their updates are spread over threads.</summary>
    const long ParallelMinElements = 1 << 16;

    readonly List<PendingUpdate> pendingUpdates = [];

    readonly record struct PendingUpdate(ParamGroup Group, ParamState State, Parameter Param, Tensor Grad)
    {
        public void Apply(Optimizer optimizer)
        {
            if (Param.DType == DType.Float32) optimizer.Run<float>(Group, State, Param, Grad);
            else optimizer.Run<double>(Group, State, Param, Grad);
        }
    }

    void Run<T>(ParamGroup group, ParamState state, Parameter p, Tensor grad) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (grad.DType == p.DType && grad.IsContiguous)
        {
            Update(group, state, p.Span<T>(), grad.Span<T>());
            return;
        }
        using var g = grad.ContiguousInDType(p.DType); // a gradient of another dtype or layout: the slow path
        Update(group, state, p.Span<T>(), g.Span<T>());
    }
}
