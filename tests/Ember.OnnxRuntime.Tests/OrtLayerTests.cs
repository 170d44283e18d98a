using Ember.Tests.Onnx.Export;
using Xunit;

namespace Ember.OnnxRuntime.Tests;

/// <summary>Every exported layer type, run by ONNX Runtime against Ember's forward, at the default opset and the lowest and highest ones.</summary>
public class OrtLayerTests
{
    [Theory]
    [MemberData(nameof(ExportCases.LayerNames), MemberType = typeof(ExportCases))]
    public void MatchesEmber(string name)
    {
        var c = ExportCases.Layers[name];
        OrtHarness.Check(c.Module(), c.Input);
    }

    [Theory]
    [MemberData(nameof(ExportCases.LayerNames), MemberType = typeof(ExportCases))]
    public void MatchesEmberAtOpset13And21(string name)
    {
        var c = ExportCases.Layers[name];
        OrtHarness.Check(c.Module(), c.Input, opset: 13);
        OrtHarness.Check(c.Module(), c.Input, opset: 21);
    }

    [Theory]
    [MemberData(nameof(ExportCases.CustomNames), MemberType = typeof(ExportCases))]
    public void CustomForwardMatchesEmber(string name)
    {
        var c = ExportCases.Custom[name];
        OrtHarness.Check(c.Module(), c.Input);
        OrtHarness.Check(c.Module(), c.Input, opset: 13);
    }
}
