using System.Text;
using Ember.Serialization;
using Xunit;
using static Ember.Tests.Serialization.SafetensorsTestFiles;

namespace Ember.Tests.Serialization;

/// <summary>Save then Load gives back every dtype and shape exactly, and Save writes exactly what the Python writer writes.</summary>
public sealed class SafetensorsRoundTripTests : IDisposable
{
    readonly SafetensorsTestFiles files = new();
    public void Dispose() => files.Dispose();

    static readonly int[][] Shapes = [[], [0], [1], [7], [2, 3], [2, 0, 3], [3, 1, 4, 2]];

    public static TheoryData<DType, int> Cases()
    {
        var d = new TheoryData<DType, int>();
        foreach (var dt in Enum.GetValues<DType>())
            for (int s = 0; s < Shapes.Length; s++) d.Add(dt, s);
        return d;
    }

    /// <summary>Seeded values that exercise the dtype's range.</summary>
    static Tensor Sample(DType dtype, int[] shape, int seed)
    {
        var rng = new Random(seed);
        int n = shape.Aggregate(1, (a, b) => a * b);
        return dtype switch
        {
            DType.Float32 => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 200 - 100)).ToArray(), shape),
            DType.Float64 => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 1e300 - 5e299).ToArray(), shape),
            DType.Int64 => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.NextInt64(long.MinValue, long.MaxValue)).ToArray(), shape),
            DType.Int32 => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.Next(int.MinValue, int.MaxValue)).ToArray(), shape),
            DType.Bool => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => rng.Next(2) == 1).ToArray(), shape),
            DType.UInt8 => FixtureTensor.Make(Enumerable.Range(0, n).Select(_ => (byte)rng.Next(256)).ToArray(), shape),
            _ => throw new NotSupportedException(dtype.ToString()),
        };
    }

    static void AssertSame(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(expected.DType, actual.DType);
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.True(FixtureAssert.Values(expected).SequenceEqual(FixtureAssert.Values(actual)), $"{what}: values differ");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryDTypeAndShapeRoundTrips(DType dtype, int shapeIndex)
    {
        var shape = Shapes[shapeIndex];
        using var a = Sample(dtype, shape, shapeIndex);
        using var b = Sample(dtype, [3], 100 + shapeIndex);
        var path = files.Path($"{dtype}_{shapeIndex}.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b });
        var back = Safetensors.Load(path);
        try
        {
            Assert.Equal(["a", "b"], back.Keys.Order(StringComparer.Ordinal));
            AssertSame(a, back["a"], "a");
            AssertSame(b, back["b"], "b");
        }
        finally { DisposeAll(back); }
    }

    [Fact]
    public void ViewsAreWrittenRowMajor()
    {
        using var x = Tensor.FromArray(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        using var view = x.Transpose(0, 2);
        using var expected = view.Contiguous();
        var path = files.Path("view.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["v"] = view });
        var back = Safetensors.Load(path);
        try { AssertSame(expected, back["v"], "v"); }
        finally { DisposeAll(back); }
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["epoch"] = "12", ["note"] = "caf\u00e9 \"\n\t\\ \U0001F525", ["empty"] = "" };
        using var t = Tensor.Ones(2);
        var path = files.Path("meta.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t }, meta);
        Assert.Equal(meta, Safetensors.ReadMetadata(path));
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["t"] = t });
        Assert.Empty(Safetensors.ReadMetadata(path));
    }

    [Fact]
    public void NoTensorsRoundTrips()
    {
        var path = files.Path("none.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor>(), new Dictionary<string, string> { ["k"] = "v" });
        Assert.Empty(Safetensors.Load(path));
        Assert.Equal("v", Safetensors.ReadMetadata(path)["k"]);
    }

    [Fact]
    public void HeaderIsPaddedToEightBytesAndDataIsAligned()
    {
        using var a = Tensor.FromArray(new byte[] { 1, 2, 3 }, 3);
        using var b = Tensor.FromArray(new double[] { 1.5 }, 1);
        using var c = Tensor.FromArray(new int[] { 7, 8 }, 2);
        var path = files.Path("aligned.safetensors");
        Safetensors.Save(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c });
        var bytes = File.ReadAllBytes(path);
        long n = BitConverter.ToInt64(bytes, 0);
        Assert.Equal(0, n % 8);
        var text = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.EndsWith("}", text.TrimEnd(' '));
        Assert.InRange(text.Length - text.TrimEnd(' ').Length, 0, 7);
        // Largest elements first: b (F64) at 0, c (I32) at 8, a (U8) at 16.
        var header = Safetensors.ReadHeader(path).ToDictionary(t => t.Name);
        Assert.Equal((0L, 8L), (header["b"].Begin, header["b"].End));
        Assert.Equal((8L, 16L), (header["c"].Begin, header["c"].End));
        Assert.Equal((16L, 19L), (header["a"].Begin, header["a"].End));
    }

    [Fact]
    public void MisalignedTensorsFromOtherWritersAreCopied()
    {
        // A writer that does not order by element size: the F32 data starts at byte 3 of the buffer.
        var data = new byte[3 + 8];
        data[0] = 7; data[1] = 8; data[2] = 9;
        BitConverter.GetBytes(1.5f).CopyTo(data, 3);
        BitConverter.GetBytes(-2f).CopyTo(data, 7);
        var path = files.Path("misaligned.safetensors");
        var header = "{\"u\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
            + "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[3,11]}}";
        File.WriteAllBytes(path, Build(header.PadRight((header.Length + 7) / 8 * 8), data)); // the buffer itself is 8-aligned

        var all = Safetensors.Load(path);
        try
        {
            Assert.Equal([1.5f, -2f], all["f"].ToArray<float>());
            Assert.Equal(new byte[] { 7, 8, 9 }, all["u"].ToArray<byte>());
            Assert.False(all["f"].storage.IsExternal, "a misaligned F32 must be copied");
            Assert.True(all["u"].storage.IsExternal);
        }
        finally { DisposeAll(all); }
    }

    [Fact]
    public void WriterIsByteIdenticalToThePythonSpecWriter()
    {
        var expected = ExpectedTensors("writer.json", out var root);
        var metadata = root.GetProperty("metadata").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        var tensors = expected.ToDictionary(kv => kv.Key, kv => kv.Value.ToTensor());
        try
        {
            var path = files.Path("writer.safetensors");
            Safetensors.Save(path, tensors, metadata);
            var mine = File.ReadAllBytes(path);
            var python = File.ReadAllBytes(Fixture("writer.safetensors"));
            int firstDiff = Enumerable.Range(0, Math.Min(mine.Length, python.Length)).FirstOrDefault(i => mine[i] != python[i], -1);
            Assert.True(mine.AsSpan().SequenceEqual(python),
                $"Ember wrote {mine.Length} bytes, Python {python.Length}; first difference at byte {firstDiff}.\n"
                + $"Ember:  {Encoding.UTF8.GetString(mine, 8, (int)BitConverter.ToInt64(mine, 0))}\n"
                + $"Python: {Encoding.UTF8.GetString(python, 8, (int)BitConverter.ToInt64(python, 0))}");
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public void PythonWrittenFileWithAwkwardNamesLoads()
    {
        var expected = ExpectedTensors("writer.json", out _);
        var all = Safetensors.Load(Fixture("writer.safetensors"));
        try
        {
            Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, e) in expected) AssertEqual(e, all[name], name);
        }
        finally { DisposeAll(all); }
    }
}
