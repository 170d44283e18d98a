namespace Ember.Serialization;

/// <summary>
/// Reads and writes the safetensors format (https://github.com/huggingface/safetensors): an 8-byte
/// little-endian header length, a JSON header naming each tensor's dtype, shape and byte range, and the
/// raw little-endian row-major data. Files written by PyTorch's <c>safetensors.torch.save_file</c> load,
/// and files written here load there.
/// </summary>
/// <remarks>
/// Loading validates the whole header before touching any data and raises InvalidDataException naming
/// the file, the tensor and the problem. By default the data is memory-mapped, not copied: see
/// <see cref="SafetensorsLoadOptions.MemoryMap"/> (on Windows the file stays locked while any tensor
/// loaded from it is alive, so it cannot be deleted or saved over until they are disposed; on Linux and
/// macOS it can, and the loaded tensors keep the old contents). Saving writes a temporary file beside the
/// target and renames it over the target, so a failed or interrupted Save never leaves a half-written file.
/// </remarks>
public static class Safetensors
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing it atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors)
        => SafetensorsWriter.Write(path, tensors, null);

    /// <summary>
    /// Writes <paramref name="tensors"/> and, when not null, <paramref name="metadata"/> (the header's
    /// "__metadata__" string map, e.g. {"format": "pt"}) to <paramref name="path"/>, replacing it atomically.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
        => SafetensorsWriter.Write(path, tensors, metadata);

    /// <summary>
    /// Loads every tensor of the file by name. F32, F64, I64, I32, U8 and BOOL keep their dtype;
    /// Ember has no 16-bit float dtype, so F16 and BF16 load converted to Float32, and I16 and I8 load
    /// widened to Int32. The tensors are the caller's to dispose.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, SafetensorsLoadOptions.Default);

    /// <summary>Loads every tensor of the file by name, as <see cref="Load(string)"/>, with the given options.</summary>
    public static unsafe Dictionary<string, Tensor> Load(string path, SafetensorsLoadOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        CheckEndianness();
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        SafetensorsHeader header;
        long length;
        try
        {
            length = stream.Length;
            header = SafetensorsHeader.Read(stream, length, path);
            CheckLoadable(header, options, path);
        }
        catch
        {
            stream.Dispose();
            throw;
        }

        var result = new Dictionary<string, Tensor>(header.Tensors.Count);
        if (header.DataStart == length)
        {
            // No data bytes at all (no tensors, or only empty ones): nothing to map.
            stream.Dispose();
            foreach (var info in header.Tensors)
                result.Add(info.Name, Tensor.Allocate((int[])info.Shape.Clone(), SafetensorsDType.Find(info.DType)!.Target));
            return result;
        }

        var file = new MappedFile(stream);
        try
        {
            foreach (var info in header.Tensors)
                result.Add(info.Name, Materialise(file, header.DataStart, info, options, path));
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
        finally
        {
            file.ReleaseStorage(); // the loader's own reference; the tensors hold theirs
        }
    }

    /// <summary>The header's "__metadata__" map (empty when the file has none), without reading any tensor data.</summary>
    public static Dictionary<string, string> ReadMetadata(string path) => ReadHeaderCore(path).Metadata;

    /// <summary>Every tensor's name, file dtype, shape and byte range, in header order, without reading any tensor data.</summary>
    public static IReadOnlyList<SafetensorsTensorInfo> ReadHeader(string path) => ReadHeaderCore(path).Tensors;

    static SafetensorsHeader ReadHeaderCore(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        return SafetensorsHeader.Read(stream, stream.Length, path);
    }

    /// <summary>What the header is allowed to claim is checked before anything is allocated.</summary>
    static void CheckLoadable(SafetensorsHeader header, SafetensorsLoadOptions options, string path)
    {
        foreach (var info in header.Tensors)
        {
            var dtype = SafetensorsDType.Find(info.DType)!;
            if (dtype.IsHalf && !options.ConvertHalfToFloat32)
                throw new NotSupportedException($"Safetensors.Load: '{path}': tensor '{info.Name}' is {dtype.Name}, which Ember has no dtype for; allow ConvertHalfToFloat32 to load it as Float32.");
            long count = info.ByteLength / dtype.Size;
            if (count > int.MaxValue)
                throw new NotSupportedException($"Safetensors.Load: '{path}': tensor '{info.Name}' of shape {Shapes.Format(info.Shape)} has {count} elements; Ember tensors hold at most {int.MaxValue}.");
        }
    }

    static unsafe Tensor Materialise(MappedFile file, long dataStart, SafetensorsTensorInfo info, SafetensorsLoadOptions options, string path)
    {
        var dtype = SafetensorsDType.Find(info.DType)!;
        var shape = (int[])info.Shape.Clone();
        long bytes = info.ByteLength;
        if (bytes == 0) return Tensor.Allocate(shape, dtype.Target);
        long at = dataStart + info.Begin;
        byte* src = file.Base + at;
        if (dtype == SafetensorsDType.BOOL)
            for (long i = 0; i < bytes; i++)
                if (src[i] > 1)
                    throw SafetensorsHeader.BadTensor(path, info.Name, $"BOOL element {i} is the byte {src[i]}, not 0 or 1.");
        // Kernels read elements through typed pointers, so a mapped tensor must sit at a multiple of its element size.
        if (dtype.Direct && options.MemoryMap && (nuint)src % (nuint)dtype.Size == 0)
            return new Tensor(file.Storage(at, bytes), dtype.Target, shape, Shapes.ContiguousStrides(shape), 0);
        var t = Tensor.Allocate(shape, dtype.Target);
        dtype.Convert(src, bytes / dtype.Size, t);
        return t;
    }

    static void CheckEndianness()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Safetensors: files are little-endian and Ember reads them without byte swapping; this machine is big-endian.");
    }
}
