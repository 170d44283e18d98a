using System.Buffers.Binary;
using System.Numerics;

namespace Ember.Training.TensorBoard;

/// <summary>
/// TFRecord framing, the container of TensorBoard event files: each record is
/// uint64 length, masked CRC32C of those 8 bytes, the data, masked CRC32C of the data (all little-endian).
/// </summary>
internal static class TfRecord
{
    /// <summary>Bytes a record adds around its data.</summary>
    public const int Overhead = 8 + 4 + 4;

    /// <summary>CRC32C (Castagnoli) of the bytes, with the usual all-ones start and final inversion.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>
    /// The CRC as TFRecord stores it: rotated and offset, because a CRC over data that itself holds
    /// CRCs is weak.
    /// </summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;

    public static uint MaskedCrc32C(ReadOnlySpan<byte> data) => Mask(Crc32C(data));

    /// <summary>Appends one framed record holding <paramref name="data"/>.</summary>
    public static void Write(Stream stream, ReadOnlySpan<byte> data)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        stream.Write(header);
        stream.Write(data);
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(data));
        stream.Write(footer);
    }
}
