using System.Buffers.Binary;
using System.Text;
using Ember.Serialization;
using Xunit;
using static Ember.Tests.Serialization.SafetensorsTestFiles;

namespace Ember.Tests.Serialization;

/// <summary>
/// Every rule of the format, broken one at a time by mutating a valid file: Load (and ReadHeader)
/// raise InvalidDataException naming the file, the tensor and the problem, and allocate nothing big.
/// </summary>
public sealed class SafetensorsValidationTests : IDisposable
{
    readonly SafetensorsTestFiles files = new();
    public void Dispose() => files.Dispose();

    const string W = "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    const string B = "\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[8,12]}";

    /// <summary>Writes the file, expects Load to fail with a message holding every fragment, and returns the message.</summary>
    string Rejects(byte[] file, params string[] fragments)
    {
        var path = files.Path($"bad_{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, file);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        Assert.Contains(path, e.Message);
        foreach (var f in fragments) Assert.Contains(f, e.Message);
        return e.Message;
    }

    string Rejects(string header, int dataBytes, params string[] fragments)
        => Rejects(Build(header, new byte[dataBytes]), fragments);

    [Fact]
    public void TheBaseFileIsValid()
    {
        var path = files.Path("good.safetensors");
        File.WriteAllBytes(path, Build("{" + W + "," + B + "}", new byte[12]));
        var all = Safetensors.Load(path);
        Assert.Equal(2, all.Count);
        DisposeAll(all);
    }

    [Fact]
    public void FileShorterThanTheLengthField() => Rejects([1, 2, 3], "too short");

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        var header = Encoding.UTF8.GetBytes("{" + W + "}");
        Rejects(Build(header, (ulong)header.Length + 100, new byte[8]), "header claims");
    }

    [Fact]
    public void HugeClaimedHeaderDoesNotAllocate()
    {
        var path = files.Path("huge_header.safetensors");
        File.WriteAllBytes(path, Build(Encoding.UTF8.GetBytes("{" + W + "}"), 1UL << 60, new byte[8]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains((1UL << 60).ToString(), e.Message);
        Assert.True(allocated < 1 << 20, $"Load allocated {allocated} bytes for a header it should have refused");
    }

    [Fact]
    public void HugeClaimedTensorDoesNotAllocate()
    {
        var path = files.Path("huge_tensor.safetensors");
        // 2^60 bytes of F64, with offsets and shape agreeing, but the buffer is 8 bytes long.
        File.WriteAllBytes(path, Build("{\"big\":{\"dtype\":\"F64\",\"shape\":[1073741824,134217728],\"data_offsets\":[0,1152921504606846976]}}", new byte[8]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("'big'", e.Message);
        Assert.True(allocated < 1 << 20, $"Load allocated {allocated} bytes for a tensor it should have refused");

        // Dimensions whose product overflows 64 bits.
        Rejects("{\"over\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "'over'", "more bytes");
    }

    [Fact]
    public void HeaderThatIsNotJson() => Rejects("{\"w\":{\"dtype\":\"F32\",", 8, "not well-formed JSON");

    [Fact]
    public void HeaderThatIsNotAnObject() => Rejects("[1, 2]  ", 0, "does not start with '{'");

    [Fact]
    public void HeaderThatIsNotUtf8()
    {
        var header = Encoding.UTF8.GetBytes("{\"w\xff\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}");
        header[3] = 0xFF;
        Rejects(Build(header, (ulong)header.Length, new byte[8]), "UTF-8");
    }

    [Fact]
    public void UnknownDType() => Rejects("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", 2, "'w'", "F8_E4M3");

    [Theory]
    [InlineData("dtype")]
    [InlineData("shape")]
    [InlineData("data_offsets")]
    public void MissingField(string field)
    {
        var entry = new Dictionary<string, string> { ["dtype"] = "\"F32\"", ["shape"] = "[2]", ["data_offsets"] = "[0,8]" };
        entry.Remove(field);
        Rejects("{\"w\":{" + string.Join(",", entry.Select(kv => $"\"{kv.Key}\":{kv.Value}")) + "}}", 8, "'w'", field);
    }

    [Theory]
    [InlineData("[-2]")]
    [InlineData("[2.5]")]
    [InlineData("[\"2\"]")]
    [InlineData("[1e400]")]
    public void ShapeOfNonNegativeIntegers(string shape)
        => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", 8, "'w'", "shape entry 0");

    [Fact]
    public void ShapeThatIsNotAnArray() => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", 8, "'w'", "\"shape\"");

    [Fact]
    public void DimensionBeyondEmbersLimit()
        => Rejects("{\"w\":{\"dtype\":\"U8\",\"shape\":[4294967296,0],\"data_offsets\":[0,0]}}", 0, "'w'", "4294967296");

    [Theory]
    [InlineData("[0]")]
    [InlineData("[0,8,16]")]
    [InlineData("[-1,7]")]
    public void OffsetsThatAreNotAPair(string offsets)
        => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":" + offsets + "}}", 8, "'w'", "data_offsets");

    [Fact]
    public void OffsetsBeyondTheBuffer() => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "'w'", "beyond the data buffer");

    [Fact]
    public void EndBeforeBegin() => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", 8, "'w'", "end before");

    [Fact]
    public void SizeThatDoesNotMatchTheShape()
        => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'w'", "needs 12 bytes");

    [Fact]
    public void OverlappingRanges()
        => Rejects("{" + W + ",\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[4,8]}}", 8, "'b'", "'w'", "overlap");

    [Fact]
    public void HoleInTheBuffer()
        => Rejects("{" + W + ",\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[12,16]}}", 16, "'b'", "unused");

    [Fact]
    public void HoleAtTheStart()
        => Rejects("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "'w'", "at its start");

    [Fact]
    public void BytesAfterTheLastTensor() => Rejects("{" + W + "}", 12, "'w'", "belong to no tensor");

    [Fact]
    public void DuplicateNames() => Rejects("{" + W + "," + W.Replace("[0,8]", "[8,16]") + "}", 16, "'w'", "twice");

    [Fact]
    public void MetadataOfNonStrings()
        => Rejects("{\"__metadata__\":{\"epoch\":3}," + W + "}", 8, "'epoch'", "not a string");

    [Fact]
    public void BoolBytesOtherThanZeroOrOne()
    {
        var data = new byte[] { 1, 0, 2 };
        Rejects(Build("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", data), "'m'", "byte 2");
    }

    [Fact]
    public void ReadHeaderValidatesToo()
    {
        var path = files.Path("bad_header.safetensors");
        File.WriteAllBytes(path, Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]));
        Assert.Contains("'w'", Assert.Throws<InvalidDataException>(() => Safetensors.ReadHeader(path)).Message);
        Assert.Throws<InvalidDataException>(() => Safetensors.ReadMetadata(path));
    }

    [Fact]
    public void TruncatedPythonFileIsRejected()
    {
        var bytes = File.ReadAllBytes(Fixture("cnn_state.safetensors"));
        var msg = Rejects(bytes[..^4], "beyond the data buffer");
        Assert.Contains("tensor '", msg);
        long n = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        Assert.True(n < bytes.Length);
    }
}
