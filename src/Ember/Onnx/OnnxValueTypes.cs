using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// The ONNX element type of each value of a graph, as codes: declared by its inputs, outputs,
/// value_info and initializers, and inferred node by node otherwise. Ember stores the narrow integer
/// types widened, so the plan needs these to wrap results back into the narrow range.
/// </summary>
internal static class OnnxValueTypes
{
    const int Int64 = (int)TensorProto.Types.DataType.Int64, Bool = (int)TensorProto.Types.DataType.Bool,
        Float = (int)TensorProto.Types.DataType.Float, UInt8 = (int)TensorProto.Types.DataType.Uint8;

    /// <summary>The element types the graph states for its tensors, over those of enclosing graphs.</summary>
    public static Dictionary<string, int> Declared(GraphProto graph, IReadOnlyDictionary<string, int>? outer = null)
    {
        var types = outer is null ? new Dictionary<string, int>(StringComparer.Ordinal) : new Dictionary<string, int>(outer, StringComparer.Ordinal);
        foreach (var v in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (v.Type?.TensorType is { ElemType: > 0 } t) types[v.Name] = t.ElemType;
        foreach (var init in graph.Initializer) types[init.Name] = init.DataType;
        return types;
    }

    /// <summary>
    /// The element types of a node's outputs: declared ones first, then the operator's rule; an operator
    /// without one keeps the type of input 0 when that is widened (Add, Clip, Gather, ...).
    /// The results are added to <paramref name="types"/>.
    /// </summary>
    public static int[] Infer(NodeProto node, int[] inputTypes, Dictionary<string, int> types)
    {
        var result = new int[node.Output.Count];
        // Most operators tie their output to input 0's type (T in the spec); Rule lists the rest.
        int inherited = inputTypes.Length > 0 && OnnxTypes.IsWidened(inputTypes[0]) ? inputTypes[0] : 0;
        for (int i = 0; i < result.Length; i++)
        {
            var name = node.Output[i];
            if (name.Length == 0) continue;
            if (!types.TryGetValue(name, out int code))
            {
                code = Rule(node, i, inputTypes) ?? inherited;
                if (code != 0) types[name] = code;
            }
            result[i] = code;
        }
        return result;
    }

    static int? Rule(NodeProto node, int output, int[] inputTypes)
    {
        int Input(int k) => k < inputTypes.Length ? inputTypes[k] : 0;
        switch (node.OpType)
        {
            case "Cast": return (int?)Attribute(node, "to")?.I ?? 0;
            case "CastLike": return Input(1);
            case "Constant": return Attribute(node, "value")?.T?.DataType ?? 0;
            case "ConstantOfShape": return Attribute(node, "value")?.T?.DataType ?? Float;
            case "QuantizeLinear":
                if (Input(2) != 0) return Input(2);
                return Attribute(node, "output_dtype") is { I: > 0 } a ? (int)a.I : UInt8;
            case "DequantizeLinear": return 0;
            case "Where": return Input(1);
            case "OneHot": return Input(2);
            case "QLinearMatMul" or "QLinearConv": return Input(7);
            case "MatMulInteger" or "ConvInteger": return (int)TensorProto.Types.DataType.Int32;
            case "DynamicQuantizeLinear": return output == 1 ? Float : UInt8;
            case "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin": return Int64;
            case "Equal" or "Less" or "Greater" or "LessOrEqual" or "GreaterOrEqual" or "Not" or "And" or "Or" or "Xor"
                or "IsNaN" or "IsInf": return Bool;
            // The second output of these is indices.
            case "TopK" or "MaxPool" or "Unique" when output > 0: return Int64;
            default: return null;
        }
    }

    static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);
}
