using System.Buffers.Binary;
using System.Text;

namespace Ember.Serialization;

/// <summary>
/// Writes the safetensors format: the header length (u64, little-endian), a compact JSON header padded
/// with spaces to a multiple of 8 bytes, then the tensors' bytes back to back. The order is fixed by the
/// contents alone (larger elements first, so every tensor stays aligned to its element size, then by the
/// names' UTF-8 bytes), so the same tensors always give the same file; fixtures/safetensors_spec.py
/// writes the same bytes.
/// </summary>
internal static class SafetensorsWriter
{
    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    sealed record Entry(string Name, byte[] NameUtf8, Tensor Tensor, SafetensorsDType DType, long Begin, long End);

    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = Plan(tensors);
        var header = Header(entries, metadata);

        // Write beside the target and rename over it, so a failure or a crash never leaves a half-written file.
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                f.Write(prefix);
                f.Write(header);
                foreach (var e in entries) WriteData(f, e);
                f.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    /// <summary>Serialises the header alone (for tests and tools): what <see cref="Write"/> puts after the length field.</summary>
    internal static byte[] HeaderBytes(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
        => Header(Plan(tensors), metadata);

    static List<Entry> Plan(IReadOnlyDictionary<string, Tensor> tensors)
    {
        var list = new List<(string Name, byte[] Utf8, Tensor Tensor, SafetensorsDType DType)>();
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException("Safetensors.Save: a tensor name is empty; every tensor needs a non-empty name.", nameof(tensors));
            if (name == "__metadata__")
                throw new ArgumentException("Safetensors.Save: \"__metadata__\" is reserved for the metadata and cannot name a tensor; pass metadata separately.", nameof(tensors));
            if (tensor is null)
                throw new ArgumentNullException(nameof(tensors), $"Safetensors.Save: tensor '{name}' is null.");
            list.Add((name, Utf8(name, $"tensor name '{name}'"), tensor, SafetensorsDType.For(tensor.DType)));
        }
        list.Sort((a, b) => a.DType.Size != b.DType.Size ? b.DType.Size.CompareTo(a.DType.Size) : a.Utf8.AsSpan().SequenceCompareTo(b.Utf8));

        var entries = new List<Entry>(list.Count);
        long offset = 0;
        foreach (var (name, utf8, tensor, dtype) in list)
        {
            long bytes = tensor.NumElements * dtype.Size;
            entries.Add(new Entry(name, utf8, tensor, dtype, offset, offset + bytes));
            offset += bytes;
        }
        return entries;
    }

    static byte[] Header(List<Entry> entries, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new MemoryStream();
        json.WriteByte((byte)'{');
        bool first = true;
        if (metadata is not null)
        {
            Raw(json, "\"__metadata__\":{");
            var items = metadata.Select(kv =>
            {
                if (kv.Value is null) throw new ArgumentNullException(nameof(metadata), $"Safetensors.Save: metadata entry '{kv.Key}' is null; metadata values are strings.");
                return (Key: Utf8(kv.Key, $"metadata key '{kv.Key}'"), Value: Utf8(kv.Value, $"metadata value of '{kv.Key}'"));
            }).ToList();
            items.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            for (int i = 0; i < items.Count; i++)
            {
                if (i > 0) json.WriteByte((byte)',');
                String(json, items[i].Key);
                json.WriteByte((byte)':');
                String(json, items[i].Value);
            }
            json.WriteByte((byte)'}');
            first = false;
        }
        foreach (var e in entries)
        {
            if (!first) json.WriteByte((byte)',');
            first = false;
            String(json, e.NameUtf8);
            Raw(json, $":{{\"dtype\":\"{e.DType.Name}\",\"shape\":[{string.Join(",", e.Tensor.Shape)}],\"data_offsets\":[{e.Begin},{e.End}]}}");
        }
        json.WriteByte((byte)'}');
        // Pad so the data buffer starts 8-byte aligned (the 8-byte length field plus a multiple of 8).
        while (json.Length % 8 != 0) json.WriteByte((byte)' ');
        return json.ToArray();
    }

    static byte[] Utf8(string s, string what)
    {
        try { return StrictUtf8.GetBytes(s); }
        catch (EncoderFallbackException)
        {
            throw new ArgumentException($"Safetensors.Save: the {what} is not valid Unicode (it holds an unpaired surrogate), so it cannot be written as UTF-8.");
        }
    }

    static void Raw(MemoryStream s, string ascii) => s.Write(Encoding.ASCII.GetBytes(ascii));

    /// <summary>A JSON string as serde_json and Python's json (ensure_ascii=False) write it: only quotes, backslashes and control characters are escaped.</summary>
    static void String(MemoryStream s, byte[] utf8)
    {
        s.WriteByte((byte)'"');
        foreach (var b in utf8)
        {
            switch (b)
            {
                case (byte)'"': Raw(s, "\\\""); break;
                case (byte)'\\': Raw(s, "\\\\"); break;
                case (byte)'\n': Raw(s, "\\n"); break;
                case (byte)'\r': Raw(s, "\\r"); break;
                case (byte)'\t': Raw(s, "\\t"); break;
                case (byte)'\b': Raw(s, "\\b"); break;
                case (byte)'\f': Raw(s, "\\f"); break;
                case < 0x20: Raw(s, $"\\u{b:x4}"); break;
                default: s.WriteByte(b); break;
            }
        }
        s.WriteByte((byte)'"');
    }

    static unsafe void WriteData(FileStream f, Entry e)
    {
        if (e.End == e.Begin) return;
        var t = e.Tensor;
        if (t.IsDisposed || t.storage.IsReleased)
            throw new ObjectDisposedException(nameof(Tensor), $"Safetensors.Save: tensor '{e.Name}' of shape {Shapes.Format(t.shape)} was disposed before it was written.");
        if (t.NumElements * e.DType.Size != e.End - e.Begin)
            throw new InvalidOperationException($"Safetensors.Save: tensor '{e.Name}' changed while it was being written.");
        using var c = t.ContiguousInDType(t.DType);
        byte* p = (byte*)c.DataPointer;
        for (long done = 0, total = e.End - e.Begin; done < total;)
        {
            int chunk = (int)Math.Min(total - done, 1 << 30);
            f.Write(new ReadOnlySpan<byte>(p + done, chunk));
            done += chunk;
        }
    }
}
