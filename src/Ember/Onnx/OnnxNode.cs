using System.Text;
using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// One node as an importer sees it: its operator, the opset it is read under, and typed access to
/// its attributes with per-version defaults. Errors raised through it name the node.
/// </summary>
internal sealed class OnnxNode
{
    readonly NodeProto proto;
    readonly Dictionary<string, AttributeProto> attributes = new();
    readonly string? baseDir;

    public OnnxNode(NodeProto proto, int opset, int index, string? baseDir, IReadOnlySet<string> scope, string[] implicitInputs)
    {
        this.proto = proto;
        this.baseDir = baseDir;
        Opset = opset;
        Index = index;
        Scope = scope;
        ImplicitInputs = implicitInputs;
        foreach (var a in proto.Attribute)
            if (!attributes.TryAdd(a.Name, a))
                throw Error($"has the attribute '{a.Name}' twice");
    }

    /// <summary>Every value name visible where the node runs (for building the plans of its subgraphs).</summary>
    public IReadOnlySet<string> Scope { get; }
    /// <summary>Outer values its subgraphs read; the kernel receives them after the node's own inputs, in this order.</summary>
    public string[] ImplicitInputs { get; }
    public string? BaseDir => baseDir;

    /// <summary>
    /// The ONNX element type code of each input and output as the plan knows it (declared or inferred;
    /// 0 when unknown). Ops whose result depends on a narrow type Ember stores widened (INT8, UINT16, ...) read it here.
    /// </summary>
    public int[] InputElementTypes { get; init; } = [];
    public int[] OutputElementTypes { get; init; } = [];
    /// <summary>The element types known where the node runs, for the plans of its subgraphs.</summary>
    public IReadOnlyDictionary<string, int> ScopeElementTypes { get; init; } = new Dictionary<string, int>();

    /// <summary>The element type code of output <paramref name="i"/>, 0 when unknown.</summary>
    public int OutputElementType(int i) => i < OutputElementTypes.Length ? OutputElementTypes[i] : 0;

    public string OpType => proto.OpType;
    public string Name => proto.Name;
    public int Opset { get; }
    public int Index { get; }
    public int InputCount => proto.Input.Count;
    public int OutputCount => proto.Output.Count;
    public IList<string> Inputs => proto.Input;
    public IList<string> Outputs => proto.Output;

    /// <summary>"node 3 'conv1' (Conv, opset 13)", the prefix of every error about this node.</summary>
    public string Describe()
    {
        var sb = new StringBuilder($"node {Index}");
        if (!string.IsNullOrEmpty(Name)) sb.Append($" '{Name}'");
        sb.Append($" ({OpType}, opset {Opset})");
        return sb.ToString();
    }

    public InvalidDataException Error(string message) => new($"ONNX: {Describe()} {message}.");

    /// <summary>Whether the input at <paramref name="i"/> is given (not omitted, not an empty name).</summary>
    public bool HasInput(int i) => i < proto.Input.Count && proto.Input[i].Length > 0;

    public bool Has(string name) => attributes.ContainsKey(name);

    AttributeProto? Get(string name, AttributeProto.Types.AttributeType type)
    {
        if (!attributes.TryGetValue(name, out var a)) return null;
        if (a.HasRefAttrName)
            throw Error($"refers its attribute '{name}' to a function attribute '{a.RefAttrName}', which is only valid inside a function body");
        // Before IR 2 the type could be missing; trust the field then.
        if (a.HasType && a.Type != type)
            throw Error($"has the attribute '{name}' of type {a.Type}, expected {type}");
        return a;
    }

    public long Int(string name, long fallback) => Get(name, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : fallback;
    public long? IntOrNull(string name) => Get(name, AttributeProto.Types.AttributeType.Int) is { } a ? a.I : null;
    public float Float(string name, float fallback) => Get(name, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : fallback;
    public float? FloatOrNull(string name) => Get(name, AttributeProto.Types.AttributeType.Float) is { } a ? a.F : null;

    public string String(string name, string fallback)
        => Get(name, AttributeProto.Types.AttributeType.String) is { } a ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => Get(name, AttributeProto.Types.AttributeType.Ints) is { } a ? a.Ints.ToArray() : null;
    public float[]? Floats(string name) => Get(name, AttributeProto.Types.AttributeType.Floats) is { } a ? a.Floats.ToArray() : null;

    public string[]? Strings(string name)
        => Get(name, AttributeProto.Types.AttributeType.Strings) is { } a ? a.Strings.Select(b => b.ToStringUtf8()).ToArray() : null;

    public GraphProto? Graph(string name) => Get(name, AttributeProto.Types.AttributeType.Graph)?.G;

    public Tensor? Tensor(string name)
        => Get(name, AttributeProto.Types.AttributeType.Tensor) is { } a
            ? OnnxTensors.ToTensor(a.T, baseDir, $"the tensor attribute '{name}' of {Describe()}")
            : null;

    /// <summary>An int attribute converted to int, with a range check.</summary>
    public int Int32(string name, int fallback)
    {
        long v = Int(name, fallback);
        if (v < int.MinValue || v > int.MaxValue) throw Error($"has the attribute {name} = {v}, out of range");
        return (int)v;
    }

    public int[]? Ints32(string name)
    {
        var v = Ints(name);
        if (v is null) return null;
        var r = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] < int.MinValue || v[i] > int.MaxValue) throw Error($"has the attribute {name} = [{string.Join(", ", v)}], out of range");
            r[i] = (int)v[i];
        }
        return r;
    }

    /// <summary>Throws unless the node has between <paramref name="min"/> and <paramref name="max"/> inputs.</summary>
    public void ExpectInputs(int min, int max)
    {
        if (InputCount < min || InputCount > max)
            throw Error(min == max ? $"has {InputCount} inputs, expected {min}" : $"has {InputCount} inputs, expected {min} to {max}");
    }
}
