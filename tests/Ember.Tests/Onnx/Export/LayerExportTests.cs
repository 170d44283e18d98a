using Xunit;
using static Ember.Tests.Onnx.Export.ExportHarness;

namespace Ember.Tests.Onnx.Export;

/// <summary>Every exported layer type: export, re-import with OnnxModel, same outputs at two batch sizes.</summary>
public class LayerExportTests
{
    [Theory]
    [MemberData(nameof(ExportCases.LayerNames), MemberType = typeof(ExportCases))]
    public void RoundTrips(string name)
    {
        var c = ExportCases.Layers[name];
        RoundTrip(c.Module(), c.Input);
    }

    [Theory]
    [MemberData(nameof(ExportCases.LayerNames), MemberType = typeof(ExportCases))]
    public void RoundTripsAtOpset13(string name)
    {
        var c = ExportCases.Layers[name];
        RoundTrip(c.Module(), c.Input, opset: 13);
    }

    /// <summary>A sample batch of 1 gives no hint which dims are the batch; the exported graph must still take any batch.</summary>
    [Theory]
    [InlineData("Flatten")]
    [InlineData("GroupNorm")]
    [InlineData("Linear3d")]
    [InlineData("LSTMBatchFirst")]
    [InlineData("MultiheadAttention")]
    [InlineData("TransformerEncoderLayer")]
    [InlineData("PixelShuffle")]
    [InlineData("Embedding")]
    public void ExportsFromASampleBatchOfOne(string name)
    {
        var c = ExportCases.Layers[name];
        RoundTrip(c.Module(), c.Input, sampleBatch: 1, opset: 17, tolerance: 1e-5, 1, 3, 4);
    }
}
