namespace Ember.Serialization;

/// <summary>
/// A safetensors element type: its name in the header, its size, and the Ember dtype it loads as.
/// Direct types have the same bytes as their Ember dtype, so a loaded tensor can point into the
/// mapped file; the others (F16, BF16, I16, I8) are widened into a copy.
/// </summary>
internal sealed record SafetensorsDType(string Name, int Size, DType Target, bool Direct)
{
    public static readonly SafetensorsDType F64 = new("F64", 8, DType.Float64, true);
    public static readonly SafetensorsDType I64 = new("I64", 8, DType.Int64, true);
    public static readonly SafetensorsDType F32 = new("F32", 4, DType.Float32, true);
    public static readonly SafetensorsDType I32 = new("I32", 4, DType.Int32, true);
    public static readonly SafetensorsDType F16 = new("F16", 2, DType.Float32, false);
    public static readonly SafetensorsDType BF16 = new("BF16", 2, DType.Float32, false);
    public static readonly SafetensorsDType I16 = new("I16", 2, DType.Int32, false);
    public static readonly SafetensorsDType I8 = new("I8", 1, DType.Int32, false);
    public static readonly SafetensorsDType U8 = new("U8", 1, DType.UInt8, true);
    public static readonly SafetensorsDType BOOL = new("BOOL", 1, DType.Bool, true);

    static readonly SafetensorsDType[] All = [F64, I64, F32, I32, F16, BF16, I16, I8, U8, BOOL];

    /// <summary>The comma-separated names Ember reads, for error messages.</summary>
    public static string Known => string.Join(", ", All.Select(d => d.Name));

    public static SafetensorsDType? Find(string name) => All.FirstOrDefault(d => d.Name == name);

    /// <summary>Whether the type is a 16-bit float (loaded as Float32, since Ember has no Half dtype).</summary>
    public bool IsHalf => this == F16 || this == BF16;

    /// <summary>The safetensors type an Ember dtype is saved as.</summary>
    public static SafetensorsDType For(DType dtype) => dtype switch
    {
        DType.Float64 => F64, DType.Int64 => I64, DType.Float32 => F32, DType.Int32 => I32,
        DType.UInt8 => U8, DType.Bool => BOOL,
        _ => throw new NotSupportedException($"Safetensors: Ember dtype {dtype} has no safetensors equivalent."),
    };

    /// <summary>Widens <paramref name="count"/> little-endian elements of this type from <paramref name="src"/> into <paramref name="dst"/>'s storage.</summary>
    public unsafe void Convert(byte* src, long count, Tensor dst)
    {
        if (this == F16 || this == BF16)
        {
            var d = dst.Span<float>();
            var s = new ReadOnlySpan<ushort>(src, checked((int)count));
            if (this == F16)
                for (int i = 0; i < s.Length; i++) d[i] = (float)BitConverter.UInt16BitsToHalf(s[i]);
            else
                // bfloat16 is the top half of a float32.
                for (int i = 0; i < s.Length; i++) d[i] = BitConverter.Int32BitsToSingle(s[i] << 16);
        }
        else if (this == I16)
        {
            var d = dst.Span<int>();
            var s = new ReadOnlySpan<short>(src, checked((int)count));
            for (int i = 0; i < s.Length; i++) d[i] = s[i];
        }
        else if (this == I8)
        {
            var d = dst.Span<int>();
            var s = new ReadOnlySpan<sbyte>(src, checked((int)count));
            for (int i = 0; i < s.Length; i++) d[i] = s[i];
        }
        else
        {
            // Same bytes, but the source is not suitably aligned (or mapping was turned off): copy as is.
            long bytes = count * Size;
            Buffer.MemoryCopy(src, dst.DataPointer, bytes, bytes);
        }
    }
}
