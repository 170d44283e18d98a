using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace Ember.NN;

/// <summary>
/// A layer or model: ordered parameters, buffers and children, each registered by name, so
/// NamedParameters and StateDict produce PyTorch's dotted names ("0.weight", "fc1.bias").
/// </summary>
/// <remarks>
/// Register explicitly (<c>Weight = Param("weight", …)</c>, <c>Child("fc1", new Linear(…))</c>): that is the
/// recommended way, and it fixes names and order. As a convenience, a <see cref="Module"/> or
/// <see cref="Parameter"/> held in a field or auto-property of a subclass and not registered explicitly
/// is registered automatically under its member name in snake_case, the way PyTorch names attributes:
/// <c>Fc1</c> → "fc1", <c>OutProj</c> → "out_proj", <c>_encoder</c> → "encoder", <c>LSTMCell</c> → "lstm_cell".
/// Those come after the explicit ones, in declaration order (base classes first). The pass runs once,
/// the first time anything reads the registry (NamedParameters, StateDict, Train, ToString, …), so
/// constructors need no extra call; members first assigned after that are not picked up. Collections of
/// modules are not scanned: use <see cref="ModuleList"/> or <see cref="ModuleDict"/>.
/// </remarks>
public abstract partial class Module
{
    readonly List<(string Name, Parameter? Value)> parameters = [];
    readonly List<(string Name, Tensor Value, bool Persistent)> buffers = [];
    readonly List<(string Name, Module Value)> children = [];
    readonly Lock registryLock = new();
    volatile bool scanned;

    /// <summary>Training mode (dropout active, batch norm updating its statistics) or evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Registers a parameter under <paramref name="name"/> and returns it; a plain tensor passed in is taken over (and disposed).</summary>
    protected Parameter Param(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckName(name);
        var p = value as Parameter;
        if (p is null) { p = new Parameter(value); value.Dispose(); }
        parameters.Add((name, p));
        return p;
    }

    /// <summary>Registers an absent optional parameter (like PyTorch's bias=None).</summary>
    protected void NoParam(string name)
    {
        CheckName(name);
        parameters.Add((name, null));
    }

    /// <summary>
    /// Registers a buffer: state that is not trained, like running means. Persistent buffers are part of
    /// the state dict; non-persistent ones (caches, masks that can be recomputed) are not.
    /// </summary>
    protected Tensor Buffer(string name, Tensor value, bool persistent = true)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckName(name);
        buffers.Add((name, value, persistent));
        return value;
    }

    /// <summary>Registers a child module and returns it.</summary>
    protected T Child<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        if (ReferenceEquals(module, this))
            throw new ArgumentException($"{TypeName}: a module cannot be its own child ('{name}').");
        CheckName(name);
        children.Add((name, module));
        return module;
    }

    /// <summary>Replaces the child registered as <paramref name="name"/> (keeping its place), or registers it if there is none.</summary>
    protected T SetChild<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        int i = children.FindIndex(c => c.Name == name);
        if (i < 0) return Child(name, module);
        if (ReferenceEquals(module, this))
            throw new ArgumentException($"{TypeName}: a module cannot be its own child ('{name}').");
        children[i] = (name, module);
        return module;
    }

    void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('.'))
            throw new ArgumentException($"{TypeName}: '{name}' is not a valid name (non-empty, no dots).");
        if (IsTaken(name))
            throw new ArgumentException($"{TypeName}: the name '{name}' is already registered.");
    }

    bool IsTaken(string name)
        => parameters.Any(p => p.Name == name) || buffers.Any(b => b.Name == name) || children.Any(c => c.Name == name);

    // ---- automatic registration ----

    static readonly ConcurrentDictionary<Type, (FieldInfo Field, string Member)[]> memberFields = new();

    /// <summary>Registers, once, the modules and parameters held in members that were not registered explicitly.</summary>
    void EnsureScanned()
    {
        if (scanned) return;
        lock (registryLock)
        {
            if (scanned) return;
            foreach (var (field, member) in memberFields.GetOrAdd(GetType(), FieldsToScan))
            {
                var value = field.GetValue(this);
                if (value is not (Module or Parameter) || ReferenceEquals(value, this) || IsRegistered(value)) continue;
                string name = SnakeCase(member);
                if (IsTaken(name))
                    throw new InvalidOperationException(
                        $"{TypeName}: the member {member} holds a {value.GetType().Name} that was not registered, and its name '{name}' is already taken; register it explicitly under another name.");
                if (value is Module m) children.Add((name, m));
                else parameters.Add((name, (Parameter)value));
            }
            scanned = true;
        }
    }

    bool IsRegistered(object value)
        => parameters.Any(p => ReferenceEquals(p.Value, value)) || buffers.Any(b => ReferenceEquals(b.Value, value)) || children.Any(c => ReferenceEquals(c.Value, value));

    /// <summary>Instance fields that can hold a module or a parameter, base classes first, in declaration order.</summary>
    static (FieldInfo, string)[] FieldsToScan(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType) chain.Add(t);
        chain.Reverse();
        var result = new List<(FieldInfo, string)>();
        foreach (var t in chain)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                         .OrderBy(f => f.MetadataToken))
            {
                bool mayHold = typeof(Module).IsAssignableFrom(f.FieldType) || typeof(Tensor).IsAssignableFrom(f.FieldType) || f.FieldType == typeof(object);
                if (mayHold && MemberName(f.Name) is { } member) result.Add((f, member));
            }
        return result.ToArray();
    }

    /// <summary>The source name of a field: auto-properties and captured primary-constructor parameters by their own name.</summary>
    static string? MemberName(string field)
    {
        if (!field.StartsWith('<')) return field;
        int close = field.IndexOf('>');
        if (close < 2) return null;
        var tail = field[(close + 1)..];
        return tail is "k__BackingField" or "P" ? field[1..close] : null;
    }

    /// <summary>PascalCase or camelCase to snake_case, leading underscores dropped: "OutProj" → "out_proj", "BN1" → "bn1".</summary>
    internal static string SnakeCase(string member)
    {
        var s = member.TrimStart('_');
        var sb = new StringBuilder(s.Length + 4);
        for (int i = 0; i < s.Length; i++)
        {
            char c = s[i];
            if (char.IsUpper(c) && i > 0 && s[i - 1] != '_')
            {
                char prev = s[i - 1];
                bool nextLower = i + 1 < s.Length && char.IsLower(s[i + 1]);
                if (char.IsLower(prev) || char.IsDigit(prev) || (char.IsUpper(prev) && nextLower)) sb.Append('_');
            }
            sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    // ---- reading the tree ----

    /// <summary>The direct children, in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren()
    {
        EnsureScanned();
        return children.Select(c => (c.Name, c.Value)).ToArray();
    }

    public IEnumerable<Module> Children() => NamedChildren().Select(c => c.Module);

    /// <summary>This module ("") and every descendant with its dotted name, depth-first; a shared module appears once.</summary>
    public IEnumerable<(string Name, Module Module)> NamedModules()
    {
        var seen = new HashSet<Module>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(string, Module)>();
        stack.Push(("", this));
        while (stack.Count > 0)
        {
            var (name, m) = stack.Pop();
            if (!seen.Add(m)) continue;
            yield return (name, m);
            var kids = m.NamedChildren().ToArray();
            for (int i = kids.Length - 1; i >= 0; i--)
                stack.Push((name.Length == 0 ? kids[i].Name : name + "." + kids[i].Name, kids[i].Module));
        }
    }

    public IEnumerable<Module> Modules() => NamedModules().Select(m => m.Module);

    /// <summary>Parameters depth-first in registration order, with dotted names; a shared parameter appears once.</summary>
    public IEnumerable<(string Name, Parameter Parameter)> NamedParameters()
    {
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        foreach (var (prefix, m) in NamedModules())
            foreach (var (n, p) in m.OwnParameters())
                if (seen.Add(p)) yield return (Dotted(prefix, n), p);
    }

    public IEnumerable<Parameter> Parameters() => NamedParameters().Select(p => p.Parameter);

    /// <summary>Every buffer (persistent or not) with its dotted name, after <paramref name="prefix"/>.</summary>
    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers(string prefix = "")
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (path, m) in NamedModules())
            foreach (var (n, b, _) in m.OwnBuffers())
                if (seen.Add(b)) yield return (prefix + Dotted(path, n), b);
    }

    public IEnumerable<Tensor> Buffers() => NamedBuffers().Select(b => b.Buffer);

    IEnumerable<(string Name, Parameter Value)> OwnParameters()
    {
        EnsureScanned();
        return parameters.Where(p => p.Value is not null).Select(p => (p.Name, p.Value!)).ToArray();
    }

    IEnumerable<(string Name, Tensor Value, bool Persistent)> OwnBuffers()
    {
        EnsureScanned();
        return buffers.ToArray();
    }

    static string Dotted(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    /// <summary>Calls <paramref name="fn"/> on every child (recursively) and then on this module, like PyTorch's apply.</summary>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var (_, c) in NamedChildren()) c.Apply(fn);
        fn(this);
        return this;
    }

    /// <summary>How many numbers the parameters hold (a shared parameter counted once).</summary>
    public long ParameterCount => Parameters().Sum(p => p.NumElements);

    /// <summary>How many of them are trained: those of parameters that require grad (frozen ones do not).</summary>
    public long TrainableParameterCount => Parameters().Where(p => p.RequiresGrad).Sum(p => p.NumElements);

    // ---- state ----

    /// <summary>
    /// Parameters and persistent buffers by PyTorch name, sharing data with the module, in PyTorch's
    /// order: each module's parameters, then its buffers, then its children's entries.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var d = new OrderedDictionary<string, Tensor>();
        AddState(d, "");
        return d;
    }

    void AddState(OrderedDictionary<string, Tensor> d, string prefix)
    {
        foreach (var (n, p) in OwnParameters()) d[prefix + n] = p;
        foreach (var (n, b, persistent) in OwnBuffers()) if (persistent) d[prefix + n] = b;
        foreach (var (n, c) in NamedChildren()) c.AddState(d, prefix + n + ".");
    }

    /// <summary>
    /// Copies values (cast to each target's dtype) into the parameters and persistent buffers. With
    /// strict, the names must match exactly; in both modes every shape must match. Everything is checked
    /// before anything is copied, and one exception names every missing key, unexpected key and shape mismatch.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var own = StateDict();
        var problems = new List<string>();
        if (strict)
        {
            var missing = own.Keys.Where(k => !state.ContainsKey(k)).ToList();
            var unexpected = state.Keys.Where(k => !own.ContainsKey(k)).ToList();
            if (missing.Count > 0) problems.Add($"missing keys: {string.Join(", ", missing.Select(k => $"'{k}'"))}");
            if (unexpected.Count > 0) problems.Add($"unexpected keys: {string.Join(", ", unexpected.Select(k => $"'{k}'"))}");
        }
        var mismatched = own.Where(kv => state.TryGetValue(kv.Key, out var src) && !src.Shape.SequenceEqual(kv.Value.Shape))
            .Select(kv => $"'{kv.Key}' is {Shapes.Format(state[kv.Key].Shape)} in the state but {Shapes.Format(kv.Value.Shape)} in the module")
            .ToList();
        if (mismatched.Count > 0) problems.Add($"shape mismatches: {string.Join("; ", mismatched)}");
        if (problems.Count > 0)
            throw new ArgumentException($"LoadStateDict: the state does not fit {TypeName}: {string.Join(". ", problems)}.");

        using (Autograd.NoGrad())
            foreach (var (name, target) in own)
                if (state.TryGetValue(name, out var src)) target.CopyFrom(src);
    }

    // ---- modes and gradients ----

    public void Train(bool on = true)
    {
        Training = on;
        foreach (var (_, c) in NamedChildren()) c.Train(on);
    }

    public void Eval() => Train(false);

    /// <summary>Freezes (false) or unfreezes every parameter of this module and its descendants, like PyTorch's requires_grad_.</summary>
    public Module RequiresGrad(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>Drops every parameter's gradient, frozen ones included.</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.ZeroGrad();
    }

    // ---- printing ----

    /// <summary>The layer's settings as PyTorch's extra_repr prints them ("in_features=784, out_features=10, bias=True").</summary>
    public virtual string ExtraRepr() => "";

    /// <summary>The module tree as PyTorch prints it: the type name, the settings and each child on its own indented line.</summary>
    public override string ToString()
    {
        var extra = ExtraRepr();
        var extraLines = extra.Length > 0 ? extra.Split('\n') : [];
        var childLines = NamedChildren().Select(c => $"({c.Name}): {IndentTail(c.Module.ToString())}").ToList();
        var sb = new StringBuilder(TypeName).Append('(');
        if (extraLines.Length == 1 && childLines.Count == 0) sb.Append(extraLines[0]);
        else if (extraLines.Length + childLines.Count > 0)
            sb.Append("\n  ").Append(string.Join("\n  ", extraLines.Concat(childLines))).Append('\n');
        return sb.Append(')').ToString();
    }

    static string IndentTail(string s) => s.Replace("\n", "\n  ", StringComparison.Ordinal);

    string TypeName
    {
        get
        {
            var n = GetType().Name;
            int tick = n.IndexOf('`');
            return tick < 0 ? n : n[..tick];
        }
    }

    /// <summary>Python's spelling of a bool in extra reprs.</summary>
    protected static string PyBool(bool value) => value ? "True" : "False";

    /// <summary>Python's repr of a float: shortest round trip, "1.0" for whole numbers, "1e-05" for small ones.</summary>
    protected static string PyFloat(double value)
    {
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        // .NET's shortest round trip switches to exponents below 1e-4 as Python does (above 1e15, one power earlier).
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E');
        if (e < 0) return r.Contains('.') ? r : r + ".0";
        var mantissa = r[..e];
        int exp = int.Parse(r[(e + 1)..], CultureInfo.InvariantCulture);
        return $"{mantissa}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):00}";
    }

    /// <summary>Python's repr of a tuple of ints: "(2, 5)", "(3,)".</summary>
    protected static string PyTuple(IReadOnlyList<int> values)
        => values.Count == 1 ? $"({values[0]},)" : "(" + string.Join(", ", values) + ")";
}

/// <summary>A module with a typed forward pass.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
    /// <summary>Runs Forward; under an ONNX export it is where a layer is recognised (containers call their layers through it).</summary>
    public TOut Call(TIn input) => Onnx.Export.OnnxTrace.Active is { } tracer ? Onnx.Export.OnnxTrace.Call(tracer, this, input, Forward) : Forward(input);
}
