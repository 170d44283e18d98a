using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Checks a model against the structural rules of the ONNX spec that an exporter can break: an opset
/// import for the default domain, unique value and node names, every node input defined before use
/// (topological order), initializers whose data fits their type and dims, graph inputs and outputs
/// with a tensor type and shape, and attributes whose declared type matches the field that holds them.
/// </summary>
public static class OnnxChecker
{
    /// <summary>Checks the model in <paramref name="bytes"/>; throws <see cref="InvalidDataException"/> listing every problem found.</summary>
    public static void Check(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(bytes); }
        catch (InvalidProtocolBufferException e) { throw new InvalidDataException($"OnnxChecker: the bytes are not an ONNX model: {e.Message}", e); }
        Check(model);
    }

    internal static void Check(ModelProto model)
    {
        var problems = Problems(model);
        if (problems.Count > 0)
            throw new InvalidDataException($"OnnxChecker: the model breaks the ONNX spec: {string.Join("; ", problems.Take(20))}{(problems.Count > 20 ? $"; and {problems.Count - 20} more" : "")}.");
    }

    internal static List<string> Problems(ModelProto model)
    {
        var problems = new List<string>();
        if (model.IrVersion < 3) problems.Add($"the IR version {model.IrVersion} is older than 3");
        if (!model.OpsetImport.Any(o => o.Domain is "" or "ai.onnx"))
            problems.Add("there is no opset import for the default domain");
        foreach (var dup in model.OpsetImport.GroupBy(o => o.Domain is "ai.onnx" ? "" : o.Domain).Where(g => g.Count() > 1))
            problems.Add($"the domain '{dup.Key}' is imported {dup.Count()} times");
        if (model.Graph is null) { problems.Add("the model has no graph"); return problems; }
        CheckGraph(model.Graph, problems);
        if (model.OpsetImport.FirstOrDefault(o => o.Domain is "" or "ai.onnx") is { } import)
            CheckOpset(model.Graph, import.Version, problems);
        return problems;
    }

    static void CheckGraph(GraphProto g, List<string> problems)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        void Define(string name, string what)
        {
            if (string.IsNullOrEmpty(name)) problems.Add($"{what} has an empty name");
            else if (!defined.Add(name)) problems.Add($"the value '{name}' is defined twice (again by {what})");
        }

        foreach (var init in g.Initializer)
        {
            Define(init.Name, $"the initializer '{init.Name}'");
            CheckTensor(init, $"the initializer '{init.Name}'", problems);
        }
        foreach (var input in g.Input)
        {
            bool isInit = g.Initializer.Any(i => i.Name == input.Name);
            if (!isInit) Define(input.Name, $"the graph input '{input.Name}'");
            CheckValueInfo(input, "graph input", problems);
        }

        var nodeNames = new HashSet<string>(StringComparer.Ordinal);
        for (int k = 0; k < g.Node.Count; k++)
        {
            var node = g.Node[k];
            string what = $"node {k} '{node.Name}' ({node.OpType})";
            if (string.IsNullOrEmpty(node.OpType)) problems.Add($"{what} has no op type");
            if (!string.IsNullOrEmpty(node.Name) && !nodeNames.Add(node.Name)) problems.Add($"the node name '{node.Name}' is used twice");
            foreach (var i in node.Input)
                if (i.Length > 0 && !defined.Contains(i))
                    problems.Add($"{what} reads '{i}' before anything defines it");
            var attrNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var a in node.Attribute)
            {
                if (!attrNames.Add(a.Name)) problems.Add($"{what} has the attribute '{a.Name}' twice");
                CheckAttribute(a, what, problems);
            }
            foreach (var o in node.Output)
                if (o.Length > 0) Define(o, what);
        }

        foreach (var output in g.Output)
        {
            if (!defined.Contains(output.Name)) problems.Add($"the graph output '{output.Name}' is never computed");
            CheckValueInfo(output, "graph output", problems);
        }
    }

    /// <summary>The opset that introduced operators newer than 13 (older ones are in every opset the checker is used with).</summary>
    static readonly Dictionary<string, int> introduced = new(StringComparer.Ordinal)
    {
        ["HardSwish"] = 14, ["Trilu"] = 14, ["LayerNormalization"] = 17, ["Mish"] = 18, ["Gelu"] = 20,
        ["GroupNormalization"] = 18, ["Col2Im"] = 18, ["CenterCropPad"] = 18,
    };

    /// <summary>Reductions whose axes moved from an attribute to an input in opset 18 (ReduceSum moved in 13).</summary>
    static readonly HashSet<string> axesInputFrom18 = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare",
    };

    /// <summary>Operators used before their opset, and axes given the way another opset expects.</summary>
    static void CheckOpset(GraphProto g, long opset, List<string> problems)
    {
        for (int k = 0; k < g.Node.Count; k++)
        {
            var n = g.Node[k];
            if (n.Domain is not ("" or "ai.onnx")) continue;
            string what = $"node {k} '{n.Name}' ({n.OpType})";
            if (introduced.TryGetValue(n.OpType, out int since) && opset < since)
                problems.Add($"{what} needs opset {since} but the model imports opset {opset}");
            bool axesAttr = n.Attribute.Any(a => a.Name == "axes");
            bool axesInput = n.Input.Count > 1 && n.Input[1].Length > 0;
            int moved = axesInputFrom18.Contains(n.OpType) ? 18 : n.OpType is "ReduceSum" or "Squeeze" or "Unsqueeze" ? 13 : 0;
            if (moved == 0) continue;
            if (opset >= moved && axesAttr) problems.Add($"{what} has an axes attribute, but from opset {moved} the axes are an input");
            if (opset < moved && axesInput) problems.Add($"{what} has an axes input, but before opset {moved} the axes are an attribute");
        }
    }

    static void CheckValueInfo(ValueInfoProto v, string role, List<string> problems)
    {
        if (v.Type?.TensorType is not { } tt) { problems.Add($"the {role} '{v.Name}' has no tensor type"); return; }
        if (tt.ElemType == 0 || !Enum.IsDefined(typeof(TensorProto.Types.DataType), tt.ElemType))
            problems.Add($"the {role} '{v.Name}' has the element type {tt.ElemType}, which is not an ONNX type");
        if (tt.Shape is null) { problems.Add($"the {role} '{v.Name}' has no shape"); return; }
        foreach (var d in tt.Shape.Dim)
            if (d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue < 0)
                problems.Add($"the {role} '{v.Name}' has a negative dimension {d.DimValue}");
    }

    static void CheckTensor(TensorProto t, string what, List<string> problems)
    {
        if (t.DataType == 0 || !Enum.IsDefined(typeof(TensorProto.Types.DataType), t.DataType))
        {
            problems.Add($"{what} has the data type {t.DataType}, which is not an ONNX type");
            return;
        }
        long count = 1;
        foreach (var d in t.Dims)
        {
            if (d < 0) { problems.Add($"{what} has a negative dimension {d}"); return; }
            count *= d;
        }
        if (t.DataLocation == TensorProto.Types.DataLocation.External) return;
        int size = ElementSize((TensorProto.Types.DataType)t.DataType);
        if (t.RawData.Length > 0)
        {
            if (size > 0 && t.RawData.Length != count * size)
                problems.Add($"{what} holds {t.RawData.Length} bytes of raw data but its dims [{string.Join(", ", t.Dims)}] need {count * size}");
            return;
        }
        long typed = t.FloatData.Count + t.Int32Data.Count + t.Int64Data.Count + t.DoubleData.Count + t.Uint64Data.Count + t.StringData.Count;
        if (typed != count)
            problems.Add($"{what} holds {typed} values but its dims [{string.Join(", ", t.Dims)}] need {count}");
    }

    static int ElementSize(TensorProto.Types.DataType t) => t switch
    {
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => 8,
        TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 => 2,
        TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
        _ => 0,
    };

    static void CheckAttribute(AttributeProto a, string node, List<string> problems)
    {
        string what = $"{node} attribute '{a.Name}'";
        if (string.IsNullOrEmpty(a.Name)) problems.Add($"{node} has an attribute without a name");
        var T = AttributeProto.Types.AttributeType.Undefined;
        int filled = 0;
        void Seen(bool has, AttributeProto.Types.AttributeType type) { if (has) { filled++; T = type; } }
        Seen(a.HasF, AttributeProto.Types.AttributeType.Float);
        Seen(a.HasI, AttributeProto.Types.AttributeType.Int);
        Seen(a.HasS, AttributeProto.Types.AttributeType.String);
        Seen(a.T is not null, AttributeProto.Types.AttributeType.Tensor);
        Seen(a.G is not null, AttributeProto.Types.AttributeType.Graph);
        Seen(a.Floats.Count > 0, AttributeProto.Types.AttributeType.Floats);
        Seen(a.Ints.Count > 0, AttributeProto.Types.AttributeType.Ints);
        Seen(a.Strings.Count > 0, AttributeProto.Types.AttributeType.Strings);
        if (a.Type == AttributeProto.Types.AttributeType.Undefined) { problems.Add($"{what} has no type"); return; }
        bool isList = a.Type is AttributeProto.Types.AttributeType.Floats or AttributeProto.Types.AttributeType.Ints or AttributeProto.Types.AttributeType.Strings;
        // An empty list is a valid value of any list type; anything else must sit in the field of its declared type.
        if (filled > 1) problems.Add($"{what} fills {filled} value fields");
        else if (filled == 1 && T != a.Type) problems.Add($"{what} is declared {a.Type} but holds a {T} value");
        else if (filled == 0 && !isList) problems.Add($"{what} is declared {a.Type} but holds no value");
        if (a.T is { } t) CheckTensor(t, what, problems);
        if (a.G is { } g) CheckGraph(g, problems);
    }
}
