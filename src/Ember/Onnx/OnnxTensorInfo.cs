using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// The declared type of a model input or output: ONNX element type (and Ember's dtype when it has
/// one) and shape, where a dimension is a size, a symbol (<see cref="DimNames"/>) or unknown (null).
/// </summary>
public sealed class OnnxTensorInfo
{
    internal OnnxTensorInfo(string name, string elementType, DType? dtype, int?[]? shape, string?[]? dimNames)
    {
        Name = name; ElementType = elementType; DType = dtype; Shape = shape; DimNames = dimNames;
    }

    public string Name { get; }
    /// <summary>ONNX's spelling: FLOAT, INT64, ... ("SEQUENCE", "OPTIONAL", "MAP" for non-tensor values).</summary>
    public string ElementType { get; }
    /// <summary>
    /// Ember's dtype for the element type, or null when Ember has none. The narrow integer types are
    /// widened: INT8, INT16 and UINT16 give Int32, UINT32 and UINT64 give Int64 (UINT64 keeps its bits,
    /// so values of 2^63 and above read as negative); <see cref="ElementType"/> still names the ONNX type.
    /// </summary>
    public DType? DType { get; }
    /// <summary>One entry per axis, null for a symbolic or unknown size; null when the rank is unknown.</summary>
    public IReadOnlyList<int?>? Shape { get; }
    /// <summary>Symbolic names of the axes ("batch"), null where the size is fixed or unnamed.</summary>
    public IReadOnlyList<string?>? DimNames { get; }

    public bool IsTensor => ElementType is not ("SEQUENCE" or "OPTIONAL" or "MAP" or "SPARSE_TENSOR" or "OPAQUE" or "UNDEFINED");

    public override string ToString()
    {
        if (Shape is null) return $"{Name}: {ElementType}[?]";
        var dims = Shape.Select((d, i) => d?.ToString() ?? DimNames?[i] ?? "?");
        return $"{Name}: {ElementType}[{string.Join(", ", dims)}]";
    }

    internal static OnnxTensorInfo From(ValueInfoProto v)
    {
        var t = v.Type;
        switch (t?.ValueCase)
        {
            case TypeProto.ValueOneofCase.TensorType:
            {
                int code = t.TensorType.ElemType;
                DType? d = OnnxTypes.TryToDType(code, out var dd) ? dd : null;
                int?[]? shape = null; string?[]? names = null;
                if (t.TensorType.Shape is { } s)
                {
                    shape = new int?[s.Dim.Count]; names = new string?[s.Dim.Count];
                    for (int i = 0; i < shape.Length; i++)
                    {
                        var dim = s.Dim[i];
                        if (dim.HasDimValue && dim.DimValue >= 0 && dim.DimValue <= int.MaxValue) shape[i] = (int)dim.DimValue;
                        if (dim.HasDimParam) names[i] = dim.DimParam;
                    }
                }
                return new OnnxTensorInfo(v.Name, OnnxTypes.Name(code), d, shape, names);
            }
            case TypeProto.ValueOneofCase.SequenceType: return new OnnxTensorInfo(v.Name, "SEQUENCE", null, null, null);
            case TypeProto.ValueOneofCase.OptionalType: return new OnnxTensorInfo(v.Name, "OPTIONAL", null, null, null);
            case TypeProto.ValueOneofCase.MapType: return new OnnxTensorInfo(v.Name, "MAP", null, null, null);
            case TypeProto.ValueOneofCase.SparseTensorType: return new OnnxTensorInfo(v.Name, "SPARSE_TENSOR", null, null, null);
            case TypeProto.ValueOneofCase.OpaqueType: return new OnnxTensorInfo(v.Name, "OPAQUE", null, null, null);
            default: return new OnnxTensorInfo(v.Name, "UNDEFINED", null, null, null);
        }
    }
}
