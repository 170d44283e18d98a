using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>Mapping between ONNX's TensorProto.DataType codes and Ember's dtypes.</summary>
internal static class OnnxTypes
{
    /// <summary>The ONNX spelling of a data-type code ("FLOAT", "INT16", ...), or the number when unknown.</summary>
    public static string Name(int code) => Enum.IsDefined(typeof(TensorProto.Types.DataType), code)
        ? ((TensorProto.Types.DataType)code).ToString().ToUpperInvariant()
        : $"data type {code}";

    public static bool TryToDType(int code, out DType dtype)
    {
        switch ((TensorProto.Types.DataType)code)
        {
            case TensorProto.Types.DataType.Float: dtype = DType.Float32; return true;
            case TensorProto.Types.DataType.Double: dtype = DType.Float64; return true;
            case TensorProto.Types.DataType.Int64: dtype = DType.Int64; return true;
            case TensorProto.Types.DataType.Int32: dtype = DType.Int32; return true;
            case TensorProto.Types.DataType.Uint8: dtype = DType.UInt8; return true;
            case TensorProto.Types.DataType.Bool: dtype = DType.Bool; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The Ember dtype for an ONNX code; <paramref name="what"/> names the tensor or attribute for the error.</summary>
    public static DType ToDType(int code, string what)
    {
        if (TryToDType(code, out var d)) return d;
        throw new NotSupportedException(
            $"ONNX: {what} has element type {Name(code)}, which Ember does not support; Ember's dtypes are FLOAT, DOUBLE, INT64, INT32, UINT8 and BOOL.");
    }

    public static int ToOnnx(DType d) => d switch
    {
        DType.Float32 => (int)TensorProto.Types.DataType.Float,
        DType.Float64 => (int)TensorProto.Types.DataType.Double,
        DType.Int64 => (int)TensorProto.Types.DataType.Int64,
        DType.Int32 => (int)TensorProto.Types.DataType.Int32,
        DType.UInt8 => (int)TensorProto.Types.DataType.Uint8,
        DType.Bool => (int)TensorProto.Types.DataType.Bool,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };
}
