using Ember.NN;
using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Onnx.Export;

/// <summary>An attribute of an emitted node: long, double, string, long[], double[] or a TensorProto.</summary>
internal readonly record struct Attr(string Name, object Value);

/// <summary>
/// Builds the ONNX graph while a module's forward runs. Tensors are known by reference: the graph
/// input, parameters and buffers (initializers under their state-dict names), and every output of a
/// recorded op. A tensor it has never seen that autograd says was computed is the output of an op
/// without an export, and tracing stops with that op's name; one that was not computed (a mask, a
/// scalar operand) is a constant of the graph.
/// </summary>
internal sealed class OnnxTracer
{
    readonly Dictionary<Tensor, string> names = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<Node, string> nodeNames = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<Tensor, string> stateNames = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<Module, string> moduleNames = new(ReferenceEqualityComparer.Instance);
    readonly HashSet<string> taken = new(StringComparer.Ordinal);
    readonly HashSet<string> initialized = new(StringComparer.Ordinal);
    readonly Stack<string> scopes = new();
    // Outputs whose op had not yet recorded its autograd node when the hook ran (it records after).
    readonly List<(Tensor Tensor, string Name)> pending = [];
    int constantCount;

    public OnnxTracer(Module root, int opset)
    {
        Opset = opset;
        foreach (var (name, m) in root.NamedModules()) moduleNames.TryAdd(m, name);
        foreach (var (name, p) in root.NamedParameters()) stateNames.TryAdd(p, name);
        foreach (var (name, b) in root.NamedBuffers()) stateNames.TryAdd(b, name);
        foreach (var n in stateNames.Values) taken.Add(n);
    }

    public int Opset { get; }
    /// <summary>The sample's batch size (the dynamic first axis).</summary>
    public int Batch { get; init; }
    public List<NodeProto> Nodes { get; } = [];
    public List<TensorProto> Initializers { get; } = [];
    /// <summary>Tensors made inside forward and embedded as constants, with their shapes (for error messages).</summary>
    public Dictionary<string, string> Constants { get; } = [];
    /// <summary>Values computed by ops without an export, with the error to raise if the graph uses one.</summary>
    public Dictionary<string, string> Untraced { get; } = [];

    /// <summary>Keeps a name (the graph output's) from being given to any other value.</summary>
    public void Reserve(string name) => taken.Add(name);

    /// <summary>Names a graph input.</summary>
    public void Input(Tensor t, string name)
    {
        taken.Add(name);
        names[t] = name;
    }

    /// <summary>The value name of a tensor used as an input of a node.</summary>
    public string In(Tensor t)
    {
        Settle();
        if (names.TryGetValue(t, out var n)) return n;
        if (stateNames.TryGetValue(t, out var key))
        {
            if (initialized.Add(key)) Initializers.Add(OnnxTensors.ToProto(t, key));
            names[t] = key;
            return key;
        }
        // A new handle on a traced tensor's data and layout (Contiguous, Detach, To the same dtype) is that value.
        if (SameView(t) is { } view) return names[t] = view;
        if (t.GradFn is { } fn)
        {
            if (nodeNames.TryGetValue(fn, out var same)) return names[t] = same;
            // An identity step on a traced value whose handle is gone (disposed) is found through autograd.
            if (fn.Name == "IdentityBackward" && fn.Next.Length == 1)
            {
                var e = fn.Next[0];
                if (e.Function is { } f && (nodeNames.TryGetValue(f, out var src) || (src = ProducedBy(f)) is not null)) return names[t] = src;
                if (e.Leaf is { } leaf && (names.ContainsKey(leaf) || stateNames.ContainsKey(leaf))) return names[t] = In(leaf);
            }
            // Fails only if the value turns out to be used: internal steps of exported ops are dropped as dead code.
            string op = fn.Name.EndsWith("Backward", StringComparison.Ordinal) ? fn.Name[..^"Backward".Length] : fn.Name;
            string untraced = Fresh($"untraced_{op}");
            Untraced[untraced] =
                $"OnnxExporter: the forward uses the op {op} (on a tensor of shape {Shapes.Format(t.Shape)}), which has no ONNX export; " +
                (ModuleExporters.IsUnit(op)
                    ? $"a {op} layer exports as a whole when it is called through Call(x) (as Sequential does) rather than Forward(x)."
                    : "rewrite that part with exportable ops.");
            return names[t] = untraced;
        }
        var c = Constant(t, "const");
        Constants[c] = Shapes.Format(t.Shape);
        return names[t] = c;
    }

    /// <summary>The value of a known tensor over the same storage with the same layout, if any.</summary>
    string? SameView(Tensor t)
    {
        foreach (var (k, name) in names)
            if (ReferenceEquals(k.storage, t.storage) && k.offset == t.offset && k.Shape.SequenceEqual(t.Shape) && k.strides.AsSpan().SequenceEqual(t.strides))
                return name;
        foreach (var (k, name) in stateNames)
            if (ReferenceEquals(k.storage, t.storage) && k.offset == t.offset && k.Shape.SequenceEqual(t.Shape) && k.strides.AsSpan().SequenceEqual(t.strides))
                return In(k);
        return null;
    }

    /// <summary>The value of a traced tensor whose autograd node is <paramref name="fn"/> (ops record it after their hook ran).</summary>
    string? ProducedBy(Node fn)
    {
        foreach (var (tensor, name) in names)
            if (ReferenceEquals(tensor.GradFn, fn)) { nodeNames[fn] = name; return name; }
        return null;
    }

    public string? InOptional(Tensor? t) => t is null ? null : In(t);

    /// <summary>Adds <paramref name="t"/>'s current values as an initializer and returns its name.</summary>
    public string Constant(Tensor t, string hint)
    {
        string name = Fresh($"{Scope()}{hint}_{constantCount++}");
        Initializers.Add(OnnxTensors.ToProto(t, name));
        return name;
    }

    /// <summary>An Int64 initializer (shapes, axes, pads).</summary>
    public string Ints(params long[] values)
    {
        string name = Fresh($"{Scope()}ints_{constantCount++}");
        var p = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        p.Dims.Add(values.Length);
        p.RawData = OnnxTensors.Raw(values);
        Initializers.Add(p);
        return name;
    }

    /// <summary>A 0-d Int64 initializer (a Gather index).</summary>
    public string IntScalar(long value)
    {
        string name = Fresh($"{Scope()}index_{constantCount++}");
        Initializers.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = OnnxTensors.Raw(new[] { value }) });
        return name;
    }

    /// <summary>The input (or its Cast) in <paramref name="dtype"/>: ONNX's elementwise ops want one type.</summary>
    public string As(Tensor x, DType dtype)
    {
        var n = In(x);
        return x.DType == dtype ? n : Emit("Cast", [n], new Attr("to", OnnxTypes.ToOnnx(dtype)));
    }

    /// <summary>A scalar initializer of <paramref name="dtype"/>.</summary>
    public string Scalar(double value, DType dtype)
    {
        using (OnnxTrace.Suppress())
        using (var s = Tensor.Full([], value, dtype))
            return Constant(s, "scalar");
    }

    /// <summary>Makes <paramref name="y"/> another name for the value of <paramref name="x"/> (views that change nothing).</summary>
    public void Alias(Tensor y, Tensor x)
    {
        Bind(y, In(x));
    }

    /// <summary>Emits a node whose output is <paramref name="output"/>.</summary>
    public string Emit(string opType, Tensor output, string?[] inputs, params Attr[] attrs)
    {
        var n = Emit(opType, inputs, attrs);
        Bind(output, n);
        return n;
    }

    /// <summary>Emits a node with one output and returns that value's name.</summary>
    public string Emit(string opType, string?[] inputs, params Attr[] attrs)
        => EmitMany(opType, inputs, 1, attrs)[0];

    /// <summary>Emits a node with <paramref name="outputs"/> outputs and returns their names.</summary>
    public string[] EmitMany(string opType, string?[] inputs, int outputs, params Attr[] attrs)
    {
        string scope = Scope(inputs);
        string nodeName = Fresh(scope + opType);
        var node = new NodeProto { Name = nodeName, OpType = opType };
        // Trailing omitted inputs are dropped; inner ones stay as "" (ONNX's spelling of "absent").
        int count = inputs.Length;
        while (count > 0 && inputs[count - 1] is null) count--;
        for (int i = 0; i < count; i++) node.Input.Add(inputs[i] ?? "");
        var outs = new string[outputs];
        for (int i = 0; i < outputs; i++) { outs[i] = Fresh($"{nodeName}_output_{i}"); node.Output.Add(outs[i]); }
        foreach (var a in attrs) node.Attribute.Add(ToProto(a));
        Nodes.Add(node);
        return outs;
    }

    /// <summary>Binds a tensor to a value name produced by nodes emitted by hand.</summary>
    public void Bind(Tensor output, string name)
    {
        names[output] = name;
        if (output.GradFn is { } fn) nodeNames[fn] = name;
        else pending.Add((output, name));
    }

    void Settle()
    {
        if (pending.Count == 0) return;
        foreach (var (t, n) in pending)
            if (t.GradFn is { } fn) nodeNames.TryAdd(fn, n);
        pending.Clear();
    }

    /// <summary>Names nodes emitted inside <paramref name="module"/> after its place in the tree.</summary>
    public IDisposable EnterModule(Module module)
    {
        scopes.Push(moduleNames.TryGetValue(module, out var n) ? n : module.GetType().Name);
        return new Exit(scopes);
    }

    sealed class Exit(Stack<string> scopes) : IDisposable
    {
        bool done;
        public void Dispose() { if (!done) { done = true; scopes.Pop(); } }
    }

    /// <summary>The name prefix for nodes: the innermost module, else the module owning a parameter input.</summary>
    string Scope(string?[]? inputs = null)
    {
        var top = scopes.Count > 0 ? scopes.Peek() : "";
        // A module called through Forward rather than Call is still found through the parameters it reads.
        if (inputs is not null)
            foreach (var i in inputs)
                if (i is not null && initialized.Contains(i))
                {
                    int dot = i.LastIndexOf('.');
                    var owner = dot > 0 ? i[..dot] : "";
                    if (owner.Length > top.Length && (top.Length == 0 || owner.StartsWith(top + ".", StringComparison.Ordinal))) top = owner;
                    break;
                }
        return top.Length == 0 ? "" : top + "/";
    }

    string Fresh(string name)
    {
        if (taken.Add(name)) return name;
        for (int i = 1; ; i++)
            if (taken.Add($"{name}_{i}")) return $"{name}_{i}";
    }

    static AttributeProto ToProto(Attr a)
    {
        var p = new AttributeProto { Name = a.Name };
        switch (a.Value)
        {
            case int i: p.Type = AttributeProto.Types.AttributeType.Int; p.I = i; break;
            case long l: p.Type = AttributeProto.Types.AttributeType.Int; p.I = l; break;
            case bool b: p.Type = AttributeProto.Types.AttributeType.Int; p.I = b ? 1 : 0; break;
            case float f: p.Type = AttributeProto.Types.AttributeType.Float; p.F = f; break;
            case double d: p.Type = AttributeProto.Types.AttributeType.Float; p.F = (float)d; break;
            case string s: p.Type = AttributeProto.Types.AttributeType.String; p.S = ByteString.CopyFromUtf8(s); break;
            case int[] ia: p.Type = AttributeProto.Types.AttributeType.Ints; foreach (var v in ia) p.Ints.Add(v); break;
            case long[] la: p.Type = AttributeProto.Types.AttributeType.Ints; p.Ints.Add(la); break;
            case float[] fa: p.Type = AttributeProto.Types.AttributeType.Floats; p.Floats.Add(fa); break;
            case string[] sa: p.Type = AttributeProto.Types.AttributeType.Strings; foreach (var s in sa) p.Strings.Add(ByteString.CopyFromUtf8(s)); break;
            case TensorProto t: p.Type = AttributeProto.Types.AttributeType.Tensor; p.T = t; break;
            default: throw new ArgumentException($"OnnxExporter: the attribute '{a.Name}' has a value of type {a.Value?.GetType().Name ?? "null"}, which ONNX attributes cannot hold.");
        }
        return p;
    }
}
