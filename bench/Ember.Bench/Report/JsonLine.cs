using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Ember.Bench.Harness;

namespace Ember.Bench.Report;

/// <summary>
/// One machine-readable line per (workload, case, threads). Times are median / p10 / p90 ms per step;
/// ratio = ember_ms / peer_ms. Sides without timings get nulls plus a *_note saying why. Training cases
/// with an epoch size add steps_per_epoch and each side's epoch compute time in seconds.
/// </summary>
public static class JsonLine
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,   // keep notes readable: '+' not \u002B
    };

    record Line(
        string Workload, string Case, int Threads,
        double? EmberMs, double? EmberP10, double? EmberP90,
        string Peer, double? PeerMs, double? PeerP10, double? PeerP90,
        double? Ratio,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? MaxErr,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? EmberNote,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? PeerNote,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? StepsPerEpoch,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? EmberEpochS,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PeerEpochS);

    public static string Of(CaseResult r) => JsonSerializer.Serialize(new Line(
        r.Workload, r.Case, r.Threads,
        R(r.Ember?.Median), R(r.Ember?.P10), R(r.Ember?.P90),
        r.PeerName, R(r.Peer?.Median), R(r.Peer?.P10), R(r.Peer?.P90),
        R(r.Ratio),
        r.MaxErr is { } e && double.IsFinite(e) ? R(e) : null,
        r.EmberNote ?? (r.MaxErr is double.NaN ? "NaN in the outputs" : null),
        r.PeerNote,
        r.Epoch?.Steps,
        r.Epoch is { } e1 && r.Ember is { } es ? R(e1.Seconds(es.Median)) : null,
        r.Epoch is { } e2 && r.Peer is { } ps ? R(e2.Seconds(ps.Median)) : null), Options);

    static double? R(double? v) => v is { } x ? Format.Round6(x) : null;
}
