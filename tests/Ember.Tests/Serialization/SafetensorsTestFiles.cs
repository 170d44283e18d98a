using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Ember.Tests.Serialization;

/// <summary>A private temporary folder per test class, and helpers to reach and build safetensors files.</summary>
public sealed class SafetensorsTestFiles : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("ember-safetensors-").FullName;

    public string Path(string name) => System.IO.Path.Combine(Dir, name);

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>A fixture written by fixtures/make_safetensors_fixtures.py.</summary>
    public static string Fixture(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "fixtures", "safetensors", name);

    /// <summary>A file with the given header text (not padded) followed by <paramref name="data"/>.</summary>
    public static byte[] Build(string header, byte[] data)
    {
        var json = Encoding.UTF8.GetBytes(header);
        return Build(json, (ulong)json.Length, data);
    }

    /// <summary>A file whose length field says <paramref name="claimedLength"/>, whatever the header's real size.</summary>
    public static byte[] Build(byte[] header, ulong claimedLength, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, claimedLength);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    /// <summary>The expected tensors of a fixture .json (name → tensor, in fixturelib's encoding).</summary>
    public static Dictionary<string, FixtureTensor> ExpectedTensors(string jsonName, out JsonElement root)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Fixture(jsonName)));
        root = doc.RootElement.Clone();
        return root.GetProperty("tensors").EnumerateObject().ToDictionary(p => p.Name, p => FixtureTensor.Parse(p.Value));
    }

    /// <summary>Exact comparison: loading and saving must not change a single value.</summary>
    public static void AssertEqual(FixtureTensor expected, Tensor actual, string what)
    {
        Xunit.Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{what}: shape [{string.Join(", ", actual.Shape)}], expected [{string.Join(", ", expected.Shape)}]");
        Xunit.Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType}, expected {expected.DType}");
        var got = FixtureAssert.Values(actual);
        Xunit.Assert.Equal(expected.Values.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            // Float32 values are stored as the shortest decimal that rounds back to the same float.
            Xunit.Assert.True(actual.DType == DType.Float32 ? ((float)expected.Values[i]).Equals((float)got[i]) : expected.Values[i].Equals(got[i]), $"{what}[{i}]: expected {expected.Values[i]:R}, got {got[i]:R}");
    }

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values) t.Dispose();
    }
}
