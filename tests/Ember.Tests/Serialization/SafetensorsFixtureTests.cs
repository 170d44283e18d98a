using Ember.Serialization;
using Xunit;
using static Ember.Tests.Serialization.SafetensorsTestFiles;

namespace Ember.Tests.Serialization;

/// <summary>
/// Files written by PyTorch (fixtures/make_safetensors_fixtures.py through fixtures/safetensors_spec.py)
/// load with the right dtypes, shapes and values, mapped where the bytes can be used as they are.
/// </summary>
public class SafetensorsFixtureTests
{
    static readonly Dictionary<string, FixtureTensor> Expected = ExpectedTensors("dtypes.json", out _);

    public static TheoryData<string> Names => new(Expected.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Names))]
    public void LoadsEveryDTypeFromPyTorch(string name)
    {
        var all = Safetensors.Load(Fixture("dtypes.safetensors"));
        try
        {
            Assert.Equal(Expected.Keys.Order(StringComparer.Ordinal), all.Keys.Order(StringComparer.Ordinal));
            AssertEqual(Expected[name], all[name], name);
        }
        finally { DisposeAll(all); }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void LoadsEveryDTypeWithoutMapping(string name)
    {
        var all = Safetensors.Load(Fixture("dtypes.safetensors"), new SafetensorsLoadOptions { MemoryMap = false });
        try
        {
            AssertEqual(Expected[name], all[name], name);
            Assert.False(all[name].storage.IsExternal, $"{name} should be a copy");
        }
        finally { DisposeAll(all); }
    }

    [Fact]
    public void DirectDTypesAreMappedAndConversionsCopied()
    {
        var all = Safetensors.Load(Fixture("dtypes.safetensors"));
        try
        {
            foreach (var n in new[] { "f64", "f32", "i64", "i32", "u8", "bool", "scalar_f32", "scalar_i64", "odd_u8" })
                Assert.True(all[n].storage.IsExternal, $"{n} should point into the mapped file");
            foreach (var n in new[] { "f16", "bf16", "i16", "i8", "scalar_bf16", "empty_f32", "empty_i64" })
                Assert.False(all[n].storage.IsExternal, $"{n} should be a converted copy");
            Assert.Equal(DType.Float32, all["f16"].DType);
            Assert.Equal(DType.Float32, all["bf16"].DType);
            Assert.Equal(DType.Int32, all["i16"].DType);
            Assert.Equal(DType.Int32, all["i8"].DType);
            Assert.Equal([], all["scalar_f32"].Shape);
            Assert.Equal([2, 0, 4], all["empty_i64"].Shape);
        }
        finally { DisposeAll(all); }
    }

    [Fact]
    public void HalfValuesConvertExactly()
    {
        var all = Safetensors.Load(Fixture("dtypes.safetensors"));
        try
        {
            var f16 = all["f16"].ToArray<float>();
            Assert.Equal(65504f, f16[4]);                  // the largest half
            Assert.Equal(float.PositiveInfinity, f16[8]);
            Assert.True(float.IsNegative(f16[1]) && f16[1] == 0, "-0 keeps its sign");
            var bf16 = all["bf16"].ToArray<float>();
            Assert.Equal(float.NegativeInfinity, bf16[9]);
            Assert.True(bf16[10] > 1e38f, "bfloat16 keeps float32's range");
        }
        finally { DisposeAll(all); }
    }

    [Fact]
    public void ReadsMetadataAndHeaderWithoutLoading()
    {
        var meta = Safetensors.ReadMetadata(Fixture("dtypes.safetensors"));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "all dtypes" }, meta);
        var header = Safetensors.ReadHeader(Fixture("dtypes.safetensors"));
        var bf16 = Assert.Single(header, t => t.Name == "bf16");
        Assert.Equal("BF16", bf16.DType);
        Assert.Equal([3, 4], bf16.Shape);
        Assert.Equal(24, bf16.ByteLength);
        Assert.Empty(Safetensors.ReadMetadata(Fixture("cnn_io.safetensors")));
    }

    [Fact]
    public void HalfWithoutConversionIsRefusedByName()
    {
        var e = Assert.Throws<NotSupportedException>(() =>
            Safetensors.Load(Fixture("dtypes.safetensors"), new SafetensorsLoadOptions { ConvertHalfToFloat32 = false }));
        Assert.Matches("tensor 'b?f16' is B?F16", e.Message);
    }
}
