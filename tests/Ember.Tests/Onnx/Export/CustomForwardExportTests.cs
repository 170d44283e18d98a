using Xunit;
using static Ember.Tests.Onnx.Export.ExportHarness;

namespace Ember.Tests.Onnx.Export;

/// <summary>Forward code written with tensor ops (not layers) exports op by op.</summary>
public class CustomForwardExportTests
{
    [Theory]
    [MemberData(nameof(ExportCases.CustomNames), MemberType = typeof(ExportCases))]
    public void RoundTrips(string name)
    {
        var c = ExportCases.Custom[name];
        RoundTrip(c.Module(), c.Input);
    }

    [Theory]
    [MemberData(nameof(ExportCases.CustomNames), MemberType = typeof(ExportCases))]
    public void RoundTripsAtOpset13(string name)
    {
        var c = ExportCases.Custom[name];
        RoundTrip(c.Module(), c.Input, opset: 13);
    }
}
