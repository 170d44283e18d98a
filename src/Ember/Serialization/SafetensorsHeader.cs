using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace Ember.Serialization;

/// <summary>
/// A parsed and fully validated safetensors header. Every rule of the format is checked here, before
/// any tensor data is touched or allocated, and every failure is an InvalidDataException naming the
/// file, the tensor and the problem.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Headers beyond this are refused (the reference reader's limit too): no honest header is that big.</summary>
    public const long MaxHeaderBytes = 100L << 20;

    public required IReadOnlyList<SafetensorsTensorInfo> Tensors { get; init; }
    public required Dictionary<string, string> Metadata { get; init; }
    /// <summary>Where the data buffer starts in the file: 8 + the header length.</summary>
    public required long DataStart { get; init; }

    /// <summary>Reads and validates the header of a file of <paramref name="fileLength"/> bytes from the start of <paramref name="stream"/>.</summary>
    public static SafetensorsHeader Read(Stream stream, long fileLength, string path)
    {
        if (fileLength < 8)
            throw Bad(path, $"the file is {fileLength} bytes long, too short for the 8-byte header length.");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > (ulong)(fileLength - 8))
            throw Bad(path, $"the header claims {n} bytes but the file has only {fileLength - 8} after the length field.");
        if (n > MaxHeaderBytes)
            throw Bad(path, $"the header claims {n} bytes, more than the {MaxHeaderBytes} Ember accepts.");
        if (n < 2)
            throw Bad(path, $"the header is {n} bytes long, too short for a JSON object.");
        var json = new byte[n];
        stream.ReadExactly(json);
        return Parse(json, fileLength - 8 - (long)n, 8 + (long)n, path);
    }

    static SafetensorsHeader Parse(byte[] json, long bufferLength, long dataStart, string path)
    {
        if (json[0] != (byte)'{')
            throw Bad(path, $"the header does not start with '{{' (found byte 0x{json[0]:X2}); this is not a safetensors file.");
        if (!Utf8.IsValid(json))
            throw Bad(path, "the header is not valid UTF-8.");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw Bad(path, $"the header is not well-formed JSON: {e.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Bad(path, $"the header is a JSON {doc.RootElement.ValueKind}, not an object.");
            var tensors = new List<SafetensorsTensorInfo>();
            var metadata = new Dictionary<string, string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(entry.Name))
                    throw Bad(path, entry.Name == "__metadata__"
                        ? "the header has two \"__metadata__\" entries."
                        : $"tensor '{entry.Name}' appears twice in the header.");
                if (entry.Name == "__metadata__") ReadMetadata(entry.Value, metadata, path);
                else tensors.Add(ReadTensor(entry.Name, entry.Value, bufferLength, path));
            }
            CheckCoverage(tensors, bufferLength, path);
            return new SafetensorsHeader { Tensors = tensors, Metadata = metadata, DataStart = dataStart };
        }
    }

    static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Bad(path, $"\"__metadata__\" is a JSON {value.ValueKind}, not an object of strings.");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"metadata entry '{p.Name}' is a JSON {p.Value.ValueKind}, not a string.");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!))
                throw Bad(path, $"metadata entry '{p.Name}' appears twice.");
        }
    }

    static SafetensorsTensorInfo ReadTensor(string name, JsonElement value, long bufferLength, string path)
    {
        if (name.Length == 0)
            throw Bad(path, "a tensor has an empty name.");
        if (value.ValueKind != JsonValueKind.Object)
            throw BadTensor(path, name, $"its entry is a JSON {value.ValueKind}, not an object with dtype, shape and data_offsets.");
        var dtypeName = Field(value, "dtype", JsonValueKind.String, path, name).GetString()!;
        var dtype = SafetensorsDType.Find(dtypeName)
            ?? throw BadTensor(path, name, $"dtype '{dtypeName}' is not one Ember reads ({SafetensorsDType.Known}).");

        var shapeJson = Field(value, "shape", JsonValueKind.Array, path, name);
        var shape = new int[shapeJson.GetArrayLength()];
        int k = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long v) || v < 0)
                throw BadTensor(path, name, $"shape entry {k} ({d.GetRawText()}) is not a non-negative integer.");
            if (v > int.MaxValue)
                throw BadTensor(path, name, $"shape entry {k} ({v}) is larger than Ember's limit of {int.MaxValue}.");
            shape[k++] = (int)v;
        }

        var offsets = Field(value, "data_offsets", JsonValueKind.Array, path, name);
        if (offsets.GetArrayLength() != 2)
            throw BadTensor(path, name, $"data_offsets has {offsets.GetArrayLength()} entries, not [begin, end].");
        long begin = Offset(offsets[0], "begin", bufferLength, path, name);
        long end = Offset(offsets[1], "end", bufferLength, path, name);
        if (end < begin)
            throw BadTensor(path, name, $"data_offsets [{begin}, {end}] end before they begin.");

        // Element count with overflow guarded (a zero dimension anywhere makes it empty).
        long count = shape.Contains(0) ? 0 : 1;
        bool tooBig = false;
        foreach (var d in shape)
        {
            if (count == 0) break;
            if (count > long.MaxValue / dtype.Size / d) { tooBig = true; break; }
            count *= d;
        }
        string shapeText = Shapes.Format(shape);
        if (tooBig)
            throw BadTensor(path, name, $"shape {shapeText} of {dtype.Name} claims more bytes than any file holds, but data_offsets [{begin}, {end}] give {end - begin}.");
        long bytes = count * dtype.Size;
        if (bytes != end - begin)
            throw BadTensor(path, name, $"shape {shapeText} of {dtype.Name} needs {bytes} bytes but data_offsets [{begin}, {end}] give {end - begin}.");
        return new SafetensorsTensorInfo(name, dtype.Name, shape, begin, end);
    }

    static JsonElement Field(JsonElement entry, string key, JsonValueKind kind, string path, string name)
    {
        if (!entry.TryGetProperty(key, out var v))
            throw BadTensor(path, name, $"its entry has no \"{key}\".");
        if (v.ValueKind != kind)
            throw BadTensor(path, name, $"\"{key}\" is a JSON {v.ValueKind}, not {(kind == JsonValueKind.Array ? "an array" : "a string")}.");
        return v;
    }

    static long Offset(JsonElement v, string which, long bufferLength, string path, string name)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetUInt64(out ulong u))
            throw BadTensor(path, name, $"data_offsets {which} ({v.GetRawText()}) is not a non-negative integer.");
        if (u > (ulong)bufferLength)
            throw BadTensor(path, name, $"data_offsets {which} ({u}) lies beyond the data buffer of {bufferLength} bytes.");
        return (long)u;
    }

    /// <summary>The ranges must tile the buffer exactly: no overlaps, no holes, nothing after the last tensor.</summary>
    static void CheckCoverage(List<SafetensorsTensorInfo> tensors, long bufferLength, string path)
    {
        var sorted = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long covered = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in sorted)
        {
            if (t.Begin < covered)
                throw BadTensor(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] overlap tensor '{previous!.Name}' at [{previous.Begin}, {previous.End}].");
            if (t.Begin > covered)
                throw BadTensor(path, t.Name, $"data_offsets [{t.Begin}, {t.End}] leave bytes [{covered}, {t.Begin}) of the data buffer unused"
                    + (previous is null ? " at its start." : $" after tensor '{previous.Name}'."));
            covered = t.End;
            previous = t;
        }
        if (covered != bufferLength)
            throw Bad(path, previous is null
                ? $"the file has no tensors but {bufferLength} bytes of data after the header."
                : $"bytes [{covered}, {bufferLength}) of the data buffer, after tensor '{previous.Name}', belong to no tensor.");
    }

    internal static InvalidDataException Bad(string path, string problem)
        => new($"Safetensors: '{path}': {problem}");

    internal static InvalidDataException BadTensor(string path, string name, string problem)
        => new($"Safetensors: '{path}': tensor '{name}': {problem}");
}
