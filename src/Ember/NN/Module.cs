namespace Ember.NN;

/// <summary>
/// A layer or model: ordered parameters, buffers and children, each registered by name, so
/// NamedParameters and StateDict produce PyTorch's dotted names ("0.weight", "fc1.bias").
/// </summary>
public abstract partial class Module
{
    readonly List<(string Name, Parameter? Value)> parameters = [];
    readonly List<(string Name, Tensor? Value, bool Persistent)> buffers = [];
    readonly List<(string Name, Module Value)> children = [];

    /// <summary>Training mode (dropout active, batch norm updating its statistics) or evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/> and returns it; a plain tensor passed in is taken over (and disposed).</summary>
    protected Parameter Param(string name, Tensor value)
    {
        var p = value as Parameter;
        if (p is null) { p = new Parameter(value); value.Dispose(); }
        Register(parameters, name, p);
        return p;
    }

    /// <summary>Registers an absent optional parameter (like PyTorch's bias=None).</summary>
    protected void NoParam(string name) => Register(parameters, name, null);

    /// <summary>Registers a buffer: state that is saved (when persistent) but not trained, like running means.</summary>
    protected Tensor Buffer(string name, Tensor value, bool persistent = true)
    {
        CheckName(name);
        buffers.Add((name, value, persistent));
        return value;
    }

    /// <summary>Registers a child module and returns it.</summary>
    protected T Child<T>(string name, T module) where T : Module
    {
        CheckName(name);
        children.Add((name, module));
        return module;
    }

    void Register(List<(string, Parameter?)> list, string name, Parameter? p)
    {
        CheckName(name);
        list.Add((name, p));
    }

    void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}: '{name}' is not a valid name (non-empty, no dots).");
        if (parameters.Any(p => p.Name == name) || buffers.Any(b => b.Name == name) || children.Any(c => c.Name == name))
            throw new ArgumentException($"{GetType().Name}: the name '{name}' is already registered.");
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => children.Select(c => (c.Name, c.Value));

    /// <summary>Parameters depth-first in registration order, with dotted names.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in Walk(""))
            if (seen.Add(p)) yield return (name, p);
    }

    IEnumerable<(string, Parameter)> Walk(string prefix)
    {
        foreach (var (n, p) in parameters) if (p is not null) yield return (prefix + n, p);
        foreach (var (n, c) in children)
            foreach (var item in c.Walk(prefix + n + ".")) yield return item;
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Persistent buffers with dotted names.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        foreach (var (n, b, persistent) in buffers) if (b is not null && persistent) yield return (prefix + n, b);
        foreach (var (n, c) in children)
            foreach (var item in c.NamedBuffers(prefix + n + ".")) yield return item;
    }

    /// <summary>Parameters and persistent buffers by PyTorch name, sharing data with the module.</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>();
        foreach (var (n, p) in NamedParameters()) d[n] = p;
        foreach (var (n, b) in NamedBuffers()) d[n] = b;
        return d;
    }

    /// <summary>Copies values into the parameters and buffers; with strict, names and shapes must match exactly.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        if (strict)
        {
            var missing = own.Keys.Except(state.Keys).ToList();
            var unexpected = state.Keys.Except(own.Keys).ToList();
            if (missing.Count > 0 || unexpected.Count > 0)
                throw new ArgumentException($"LoadStateDict: missing keys [{string.Join(", ", missing)}], unexpected keys [{string.Join(", ", unexpected)}].");
        }
        using (Autograd.NoGrad())
            foreach (var (name, target) in own)
            {
                if (!state.TryGetValue(name, out var src)) continue;
                if (!src.Shape.SequenceEqual(target.Shape))
                    throw new ArgumentException($"LoadStateDict: '{name}' has shape [{string.Join(", ", src.Shape)}] in the state but [{string.Join(", ", target.Shape)}] in the module.");
                target.CopyFrom(src);
            }
    }

    public void Train(bool on = true)
    {
        Training = on;
        foreach (var (_, c) in children) c.Train(on);
    }

    public void Eval() => Train(false);

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }
}

/// <summary>A module with a typed forward pass.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
    public TOut Call(TIn input) => Forward(input);
}
