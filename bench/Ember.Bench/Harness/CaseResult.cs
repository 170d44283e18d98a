namespace Ember.Bench.Harness;

/// <summary>The outcome of one (workload, case, threads): per-side timings, or why a side has none.</summary>
public sealed record CaseResult(
    string Workload,
    string Case,
    string Shape,
    int Threads,
    Work? Work,
    Summary? Ember,
    string? EmberNote,
    string PeerName,
    Summary? Peer,
    string? PeerNote,
    double? MaxErr,
    EpochSize? Epoch = null)
{
    /// <summary>Ember median over peer median: below 1 means Ember is faster.</summary>
    public double? Ratio => Ember is { } e && Peer is { } p ? e.Median / p.Median : null;
}
