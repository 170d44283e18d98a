using System.Buffers.Binary;
using System.IO.Compression;

namespace Ember.Data;

/// <summary>
/// Reads IDX files (the format of MNIST and Fashion-MNIST): plain or gzip-compressed, told apart by their magic
/// bytes. Only unsigned-byte data (type code 0x08) is read. Every header is checked before anything is allocated
/// from it: a plain file against its length, a compressed one by reading incrementally and failing on truncation.
/// Problems are <see cref="InvalidDataException"/>s naming the file.
/// </summary>
public static class Idx
{
    /// <summary>The images of an IDX3 file as bytes [count · rows · cols], row-major.</summary>
    public static byte[] ReadImages(string path, out int count, out int rows, out int cols)
    {
        var (dims, data) = Read(path, expectedRank: 3, what: "images");
        (count, rows, cols) = (dims[0], dims[1], dims[2]);
        return data;
    }

    /// <summary>The labels of an IDX1 file; with <paramref name="numClasses"/>, each must be below it.</summary>
    public static byte[] ReadLabels(string path, int? numClasses = null)
    {
        var (_, data) = Read(path, expectedRank: 1, what: "labels");
        if (numClasses is int n)
            for (int i = 0; i < data.Length; i++)
                if (data[i] >= n)
                    throw new InvalidDataException($"IDX file '{path}': label {data[i]} at index {i} is out of range for {n} classes.");
        return data;
    }

    /// <summary>The dimensions and unsigned-byte data of an IDX file of any rank.</summary>
    public static (int[] Dims, byte[] Data) Read(string path) => Read(path, expectedRank: null, what: "data");

    static (int[] Dims, byte[] Data) Read(string path, int? expectedRank, string what)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
        using Stream stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
        try
        {
            return ReadStream(stream, gzip ? null : file.Length, path, expectedRank, what);
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith("IDX file", StringComparison.Ordinal))
        {
            // GZipStream's own errors (corrupt deflate data) do not say which file.
            throw new InvalidDataException($"IDX file '{path}': the gzip data is corrupt ({e.Message}).", e);
        }
    }

    static (int[] Dims, byte[] Data) ReadStream(Stream stream, long? length, string path, int? expectedRank, string what)
    {
        Span<byte> header = stackalloc byte[4];
        if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
            throw new InvalidDataException($"IDX file '{path}': the file is shorter than the 4-byte IDX header.");
        if (header[0] != 0 || header[1] != 0)
            throw new InvalidDataException($"IDX file '{path}': bad magic number 0x{header[0]:X2}{header[1]:X2}{header[2]:X2}{header[3]:X2}; an IDX file starts with two zero bytes, a type code and a dimension count.");
        if (header[2] != 0x08)
            throw new InvalidDataException($"IDX file '{path}': type code 0x{header[2]:X2} is not supported; only unsigned bytes (0x08) are read.");
        int rank = header[3];
        if (expectedRank is int r && rank != r)
            throw new InvalidDataException($"IDX file '{path}': it has {rank} dimensions but {what} need {r}.");
        if (rank == 0)
            throw new InvalidDataException($"IDX file '{path}': it has no dimensions.");
        Span<byte> dimBytes = stackalloc byte[4 * rank];
        if (stream.ReadAtLeast(dimBytes, dimBytes.Length, throwOnEndOfStream: false) < dimBytes.Length)
            throw new InvalidDataException($"IDX file '{path}': the file ends inside the header's {rank} dimension sizes.");
        var dims = new int[rank];
        long total = 1;
        for (int d = 0; d < rank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(dimBytes.Slice(4 * d, 4));
            if (size > int.MaxValue)
                throw new InvalidDataException($"IDX file '{path}': dimension {d} claims {size} entries, more than can be indexed.");
            dims[d] = (int)size;
            total = total > 0 && size > 0 ? (total > long.MaxValue / size ? long.MaxValue : total * size) : 0;
        }
        long headerBytes = 4 + 4L * rank;
        string shape = string.Join(" × ", dims);
        if (length is long len && len - headerBytes != total)
            throw new InvalidDataException(len - headerBytes < total
                ? $"IDX file '{path}': the header claims {shape} = {total} bytes of {what}, but the file holds only {len - headerBytes}; it is truncated or the header is wrong."
                : $"IDX file '{path}': the header claims {shape} = {total} bytes of {what}, but the file holds {len - headerBytes}; there are {len - headerBytes - total} bytes of unexpected trailing data.");
        if (total > Array.MaxLength)
            throw new InvalidDataException($"IDX file '{path}': the header claims {shape} = {total} bytes of {what}, more than one array can hold.");
        var data = ReadExactly(stream, (int)total, path, shape, what);
        if (stream.ReadByte() >= 0)
            throw new InvalidDataException($"IDX file '{path}': there is unexpected trailing data after the {shape} = {total} bytes of {what} the header claims.");
        return (dims, data);
    }

    // Grows the buffer as data arrives, so a header that lies about its size cannot make us allocate it.
    static byte[] ReadExactly(Stream stream, int total, string path, string shape, string what)
    {
        var buffer = new byte[Math.Min(total, 1 << 20)];
        int filled = 0;
        while (filled < total)
        {
            if (filled == buffer.Length) Array.Resize(ref buffer, (int)Math.Min(total, 2L * buffer.Length));
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n == 0)
                throw new InvalidDataException($"IDX file '{path}': the header claims {shape} = {total} bytes of {what}, but the data ends after {filled}; the file is truncated.");
            filled += n;
        }
        return buffer;
    }
}
