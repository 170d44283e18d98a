using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Converts ONNX TensorProtos to Ember tensors and back. Every size read from a file is checked
/// (dims against Int32, element counts against the bytes present) before anything is allocated.
/// The narrow integer types are read widened (see <see cref="OnnxTypes"/>); writing keeps Ember's dtype.
/// </summary>
internal static class OnnxTensors
{
    /// <summary>
    /// The tensor a TensorProto holds: raw_data (little-endian), a typed field, or external data
    /// in a file relative to <paramref name="baseDir"/>. <paramref name="what"/> names it in errors.
    /// </summary>
    public static Tensor ToTensor(TensorProto p, string? baseDir, string what)
    {
        if (p.Segment is not null)
            throw new NotSupportedException($"ONNX: {what} is stored in segments, which Ember does not read.");
        var dtype = OnnxTypes.ToDType(p.DataType, what);
        var shape = Shape(p.Dims, what);
        if (OnnxTypes.IsWidened(p.DataType)) return Widened(p, baseDir, what, shape, dtype);
        long count = Shapes.Count(shape);
        int size = dtype.SizeOf();
        long bytes = checked(count * size);

        if (p.DataLocation == TensorProto.Types.DataLocation.External)
        {
            var data = ReadExternal(p, baseDir, what, bytes);
            return FromBytes(data, shape, dtype);
        }
        if (p.HasRawData)
        {
            if (p.RawData.Length != bytes)
                throw new InvalidDataException(
                    $"ONNX: {what} of shape {Shapes.Format(shape)} and type {OnnxTypes.Name(p.DataType)} needs {bytes} bytes of raw_data, but has {p.RawData.Length}.");
            return FromBytes(p.RawData.Span, shape, dtype);
        }
        return FromTyped(p, shape, dtype, count, what);
    }

    /// <summary>
    /// A narrow integer tensor (INT8, INT16, UINT16, UINT32, UINT64) read into its wider Ember dtype:
    /// raw or external bytes at the narrow size, or int32_data (8- and 16-bit) or uint64_data (UINT32, UINT64).
    /// </summary>
    static Tensor Widened(TensorProto p, string? baseDir, string what, int[] shape, DType dtype)
    {
        int code = p.DataType;
        long count = Shapes.Count(shape);
        int size = OnnxTypes.StoredSize(code);
        long bytes = checked(count * size);
        long[] values; // allocated only once the data is known to be all there
        if (p.DataLocation == TensorProto.Types.DataLocation.External || p.HasRawData)
        {
            ReadOnlySpan<byte> data;
            if (p.DataLocation == TensorProto.Types.DataLocation.External) data = ReadExternal(p, baseDir, what, bytes);
            else
            {
                if (p.RawData.Length != bytes)
                    throw new InvalidDataException(
                        $"ONNX: {what} of shape {Shapes.Format(shape)} and type {OnnxTypes.Name(code)} needs {bytes} bytes of raw_data, but has {p.RawData.Length}.");
                data = p.RawData.Span;
            }
            values = new long[count];
            for (int i = 0; i < values.Length; i++)
            {
                var b = data.Slice(i * size, size);
                values[i] = code switch
                {
                    (int)TensorProto.Types.DataType.Int8 => (sbyte)b[0],
                    (int)TensorProto.Types.DataType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
                    (int)TensorProto.Types.DataType.Uint16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
                    (int)TensorProto.Types.DataType.Uint32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
                    _ => BinaryPrimitives.ReadInt64LittleEndian(b), // UINT64: the same bits
                };
            }
        }
        else if (size <= 2)
        {
            if (p.Int32Data.Count != count)
                throw new InvalidDataException($"ONNX: {what} has {count} elements but its int32_data holds {p.Int32Data.Count} values.");
            values = new long[count];
            for (int i = 0; i < values.Length; i++) values[i] = OnnxTypes.WrapValue(p.Int32Data[i], code);
        }
        else
        {
            if (p.Uint64Data.Count != count)
                throw new InvalidDataException($"ONNX: {what} has {count} elements but its uint64_data holds {p.Uint64Data.Count} values.");
            values = new long[count];
            for (int i = 0; i < values.Length; i++) values[i] = OnnxTypes.WrapValue(unchecked((long)p.Uint64Data[i]), code);
        }
        return FromLongs(values, shape, dtype);
    }

    public static int[] Shape(IList<long> dims, string what)
    {
        var shape = new int[dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = dims[i];
            if (d < 0 || d > int.MaxValue)
                throw new InvalidDataException($"ONNX: {what} has an invalid dimension {d} in [{string.Join(", ", dims)}].");
            shape[i] = (int)d;
            count = d == 0 || count == 0 ? 0 : count <= long.MaxValue / d ? count * d : throw new InvalidDataException(
                $"ONNX: {what} of shape [{string.Join(", ", dims)}] has too many elements.");
        }
        if (count > int.MaxValue)
            throw new InvalidDataException($"ONNX: {what} of shape [{string.Join(", ", dims)}] has {count} elements, more than Ember's limit of {int.MaxValue}.");
        return shape;
    }

    static unsafe Tensor FromBytes(ReadOnlySpan<byte> data, int[] shape, DType dtype)
    {
        var t = Tensor.Allocate(shape, dtype);
        var dst = new Span<byte>(t.DataPointer, data.Length);
        data.CopyTo(dst);
        if (!BitConverter.IsLittleEndian) ReverseEndianness(dst, dtype.SizeOf());
        if (dtype == DType.Bool) foreach (ref var b in dst) b = b != 0 ? (byte)1 : (byte)0;
        return t;
    }

    static void ReverseEndianness(Span<byte> data, int size)
    {
        if (size == 1) return;
        for (int i = 0; i < data.Length; i += size) data.Slice(i, size).Reverse();
    }

    static Tensor FromTyped(TensorProto p, int[] shape, DType dtype, long count, string what)
    {
        // Check the values are there before allocating what the dims ask for.
        var (field, present) = dtype switch
        {
            DType.Float32 => ("float_data", p.FloatData.Count),
            DType.Float64 => ("double_data", p.DoubleData.Count),
            DType.Int64 => ("int64_data", p.Int64Data.Count),
            _ => ("int32_data", p.Int32Data.Count),
        };
        if (present != count)
            throw new InvalidDataException($"ONNX: {what} has {count} elements but its {field} holds {present} values.");
        var t = Tensor.Allocate(shape, dtype);
        try
        {
            switch (dtype)
            {
                case DType.Float32: Copy(p.FloatData, t.Span<float>(), count, "float_data", what, v => v); break;
                case DType.Float64: Copy(p.DoubleData, t.Span<double>(), count, "double_data", what, v => v); break;
                case DType.Int64: Copy(p.Int64Data, t.Span<long>(), count, "int64_data", what, v => v); break;
                case DType.Int32: Copy(p.Int32Data, t.Span<int>(), count, "int32_data", what, v => v); break;
                case DType.UInt8: Copy(p.Int32Data, t.Span<byte>(), count, "int32_data", what, v => (byte)v); break;
                case DType.Bool: Copy(p.Int32Data, t.Span<bool>(), count, "int32_data", what, v => v != 0); break;
            }
            return t;
        }
        catch { t.Dispose(); throw; }
    }

    static void Copy<TSrc, TDst>(IList<TSrc> src, Span<TDst> dst, long count, string field, string what, Func<TSrc, TDst> convert)
    {
        // An empty tensor may carry no data field at all.
        if (src.Count != count)
            throw new InvalidDataException($"ONNX: {what} has {count} elements but its {field} holds {src.Count} values.");
        for (int i = 0; i < dst.Length; i++) dst[i] = convert(src[i]);
    }

    static byte[] ReadExternal(TensorProto p, string? baseDir, string what, long bytes)
    {
        string? location = null; long offset = 0; long? length = null;
        foreach (var e in p.ExternalData)
        {
            switch (e.Key)
            {
                case "location": location = e.Value; break;
                case "offset": offset = ParseLong(e.Value, "offset", what); break;
                case "length": length = ParseLong(e.Value, "length", what); break;
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new InvalidDataException($"ONNX: {what} is marked as external data but names no 'location'.");
        if (baseDir is null)
            throw new InvalidDataException($"ONNX: {what} keeps its data in the external file '{location}', but the model was not loaded from a file; use OnnxModel.Load(path).");
        if (Path.IsPathRooted(location) || location.Split('/', '\\').Contains(".."))
            throw new InvalidDataException($"ONNX: {what} names the external file '{location}', which is not a path inside the model's folder.");
        if (length is long l && l != bytes)
            throw new InvalidDataException($"ONNX: {what} needs {bytes} bytes but its external data says length {l}.");
        string path = Path.Combine(baseDir, location);
        if (!File.Exists(path))
            throw new FileNotFoundException($"ONNX: the external data file '{location}' of {what} was not found next to the model ({path}).", path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (offset < 0 || offset > fs.Length || fs.Length - offset < bytes)
            throw new InvalidDataException(
                $"ONNX: {what} needs {bytes} bytes at offset {offset} of '{location}', but the file has only {fs.Length} bytes.");
        var data = new byte[bytes];
        fs.Seek(offset, SeekOrigin.Begin);
        fs.ReadExactly(data);
        return data;
    }

    static long ParseLong(string s, string key, string what)
        => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InvalidDataException($"ONNX: the external data '{key}' of {what} is '{s}', not a non-negative integer.");

    /// <summary>A TensorProto holding a copy of the tensor as raw_data.</summary>
    public static unsafe TensorProto ToProto(Tensor t, string name)
    {
        using var c = t.Contiguous();
        var p = new TensorProto { Name = name, DataType = OnnxTypes.ToOnnx(t.DType) };
        foreach (var d in t.Shape) p.Dims.Add(d);
        var bytes = new ReadOnlySpan<byte>(c.DataPointer, checked((int)(c.NumElements * c.ElementSize))).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEndianness(bytes, c.ElementSize);
        p.RawData = ByteString.CopyFrom(bytes);
        return p;
    }

    /// <summary>The values of a small integer tensor (shapes, axes, pads), whatever its integer dtype.</summary>
    public static long[] ToLongs(Tensor t)
    {
        if (t.DType == DType.Int64) return t.ToArray<long>();
        using var x = t.To(DType.Int64);
        return x.ToArray<long>();
    }

    /// <summary>The values of any tensor as doubles, row-major.</summary>
    public static double[] ToDoubles(Tensor t)
    {
        if (t.DType == DType.Float64) return t.ToArray<double>();
        using var d = t.To(DType.Float64);
        return d.ToArray<double>();
    }

    /// <summary>A tensor of <paramref name="dtype"/> from doubles (cast like a C cast; bool is value != 0).</summary>
    public static Tensor FromDoubles(double[] data, int[] shape, DType dtype)
    {
        if (dtype == DType.Bool) return Bools(data.Length, shape, i => data[i] != 0);
        var t = Tensor.Allocate((int[])shape.Clone(), DType.Float64);
        data.AsSpan().CopyTo(t.Span<double>());
        if (dtype == DType.Float64) return t;
        using (t) return t.To(dtype);
    }

    /// <summary>A tensor of <paramref name="dtype"/> from longs.</summary>
    public static Tensor FromLongs(long[] data, int[] shape, DType dtype = DType.Int64)
    {
        if (dtype == DType.Bool) return Bools(data.Length, shape, i => data[i] != 0);
        var t = Tensor.Allocate((int[])shape.Clone(), DType.Int64);
        data.AsSpan().CopyTo(t.Span<long>());
        if (dtype == DType.Int64) return t;
        using (t) return t.To(dtype);
    }

    static Tensor Bools(int n, int[] shape, Func<int, bool> value)
    {
        var t = Tensor.Allocate((int[])shape.Clone(), DType.Bool);
        var span = t.Span<bool>();
        for (int i = 0; i < n; i++) span[i] = value(i);
        return t;
    }

    /// <summary>Reinterprets raw bytes, for tests that build protos by hand.</summary>
    public static ByteString Raw<T>(T[] values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEndianness(bytes, bytes.Length / Math.Max(1, values.Length));
        return ByteString.CopyFrom(bytes);
    }
}
