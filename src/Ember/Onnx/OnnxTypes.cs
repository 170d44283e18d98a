using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// Mapping between ONNX's TensorProto.DataType codes and Ember's dtypes. ONNX's narrow integer types
/// have no Ember dtype of their own and are widened: INT8, INT16 and UINT16 to Int32 and UINT32 to
/// Int64 (all exact), UINT64 to Int64 keeping the 64 bits, so values of 2^63 and above read as
/// negative. The graph tracks each value's ONNX type and wraps results back into the narrow range
/// (<see cref="Wrap"/>), so arithmetic and Cast behave as on the narrow type.
/// </summary>
internal static class OnnxTypes
{
    const int Int8 = (int)TensorProto.Types.DataType.Int8, Int16 = (int)TensorProto.Types.DataType.Int16,
        UInt16 = (int)TensorProto.Types.DataType.Uint16, UInt32 = (int)TensorProto.Types.DataType.Uint32,
        UInt64 = (int)TensorProto.Types.DataType.Uint64;

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
            // Widened; see the class comment.
            case TensorProto.Types.DataType.Int8:
            case TensorProto.Types.DataType.Int16:
            case TensorProto.Types.DataType.Uint16: dtype = DType.Int32; return true;
            case TensorProto.Types.DataType.Uint32:
            case TensorProto.Types.DataType.Uint64: dtype = DType.Int64; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>The Ember dtype for an ONNX code; <paramref name="what"/> names the tensor or attribute for the error.</summary>
    public static DType ToDType(int code, string what)
    {
        if (TryToDType(code, out var d)) return d;
        throw new NotSupportedException(
            $"ONNX: {what} has element type {Name(code)}, which Ember does not support; Ember's dtypes are FLOAT, DOUBLE, INT64, INT32, UINT8 and BOOL (INT8, INT16, UINT16, UINT32 and UINT64 are widened).");
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

    /// <summary>Whether the code is one of the narrow integer types Ember stores widened.</summary>
    public static bool IsWidened(int code) => code is Int8 or Int16 or UInt16 or UInt32 or UInt64;

    /// <summary>Bytes per element of a widened type in raw_data or external data.</summary>
    public static int StoredSize(int code) => code switch
    {
        Int8 => 1,
        Int16 or UInt16 => 2,
        UInt32 => 4,
        UInt64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(code)),
    };

    /// <summary>
    /// v reduced to the range of a widened type the way numpy's astype does: two's complement for the
    /// signed types, modulo 2^bits for the unsigned ones. UINT64 is already its own 64 bits.
    /// </summary>
    public static long WrapValue(long v, int code) => code switch
    {
        Int8 => (sbyte)v,
        Int16 => (short)v,
        UInt16 => (ushort)v,
        UInt32 => (uint)v,
        _ => v,
    };

    /// <summary>
    /// The tensor wrapped into the range of the widened type <paramref name="code"/>, or null when
    /// nothing changes (a type that is not widened, UINT64, a tensor of another dtype, or values already in range).
    /// </summary>
    public static Tensor? Wrap(Tensor t, int code)
    {
        if (!IsWidened(code) || code == UInt64 || !TryToDType(code, out var d) || t.DType != d) return null;
        var v = OnnxTensors.ToLongs(t);
        bool changed = false;
        for (int i = 0; i < v.Length; i++)
        {
            long w = WrapValue(v[i], code);
            if (w != v[i]) { v[i] = w; changed = true; }
        }
        return changed ? OnnxTensors.FromLongs(v, t.Shape, d) : null;
    }

    /// <summary>The saturation range of an integer type, by its ONNX code (for quantization).</summary>
    public static (double Min, double Max)? IntegerRange(int code) => code switch
    {
        Int8 => (sbyte.MinValue, sbyte.MaxValue),
        Int16 => (short.MinValue, short.MaxValue),
        UInt16 => (ushort.MinValue, ushort.MaxValue),
        UInt32 => (uint.MinValue, uint.MaxValue),
        _ => null,
    };
}
