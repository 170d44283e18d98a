using System.Buffers.Binary;
using Ember.Training.TensorBoard.Protos;
using Xunit;

namespace Ember.Tests.TensorBoard;

/// <summary>
/// Reads TensorBoard event files independently of Ember's writer: parses the TFRecord framing, checks
/// both CRCs with a table-driven CRC32C of its own, and decodes each record as an Event.
/// </summary>
internal static class EventFileReader
{
    static readonly uint[] table = MakeTable();

    static uint[] MakeTable()
    {
        // Reflected Castagnoli polynomial.
        const uint poly = 0x82F63B78;
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? (c >> 1) ^ poly : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
            crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc ^ 0xFFFFFFFF;
    }

    public static uint Masked(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32C(data);
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8);
    }

    /// <summary>The data of every record; throws InvalidDataException on a bad CRC or a truncated record.</summary>
    public static List<byte[]> ReadRecords(byte[] file)
    {
        var records = new List<byte[]>();
        int pos = 0;
        while (pos < file.Length)
        {
            if (file.Length - pos < 12)
                throw new InvalidDataException($"truncated record header at byte {pos}");
            var header = file.AsSpan(pos, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(header);
            uint lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + 8, 4));
            if (lengthCrc != Masked(header))
                throw new InvalidDataException($"length CRC mismatch at byte {pos}");
            pos += 12;
            if (length > (ulong)(file.Length - pos - 4))
                throw new InvalidDataException($"record at byte {pos} claims {length} bytes, past the end of the file");
            var data = file.AsSpan(pos, (int)length);
            uint dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(pos + (int)length, 4));
            if (dataCrc != Masked(data))
                throw new InvalidDataException($"data CRC mismatch in the record at byte {pos - 12}");
            records.Add(data.ToArray());
            pos += (int)length + 4;
        }
        return records;
    }

    public static List<Event> ReadEvents(string path)
    {
        // The writer may still hold the file open.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return ReadRecords(copy.ToArray()).Select(Event.Parser.ParseFrom).ToList();
    }

    /// <summary>The single event file in a folder (not in its subfolders).</summary>
    public static string SingleFile(string directory)
        => Assert.Single(Directory.GetFiles(directory, "events.out.tfevents.*"));
}
