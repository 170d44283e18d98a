namespace Ember.Serialization;

/// <summary>
/// One tensor's entry in a safetensors header: its name, the file's dtype name ("F32", "BF16", ...),
/// its shape, and its byte range [Begin, End) relative to the start of the data buffer.
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, string DType, int[] Shape, long Begin, long End)
{
    /// <summary>The number of bytes the tensor occupies in the file.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>How <see cref="Safetensors.Load(string, SafetensorsLoadOptions)"/> reads a file.</summary>
public sealed record SafetensorsLoadOptions
{
    /// <summary>
    /// Let tensors whose bytes Ember can use as they are (F32, F64, I64, I32, U8, BOOL, suitably
    /// aligned) point into a copy-on-write memory mapping of the file instead of copying it. The
    /// mapping is released when the last tensor using it is disposed (or finalised). On Windows the
    /// file stays locked (cannot be deleted or replaced) while it is mapped; turn this off to read
    /// everything into memory and release the file before Load returns.
    /// </summary>
    public bool MemoryMap { get; init; } = true;

    /// <summary>
    /// Ember has no 16-bit float dtype, so F16 and BF16 tensors load as Float32 (exactly: every half
    /// value is a float). Set this to false to be told instead: Load then throws NotSupportedException
    /// on the first F16 or BF16 tensor.
    /// </summary>
    public bool ConvertHalfToFloat32 { get; init; } = true;

    public static SafetensorsLoadOptions Default { get; } = new();
}
