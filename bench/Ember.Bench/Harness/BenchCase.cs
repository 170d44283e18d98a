namespace Ember.Bench.Harness;

/// <summary>
/// One size or configuration of a workload. Sides are created lazily by the runner, so a case that is
/// filtered out costs nothing, and disposed by it when timing ends.
/// </summary>
/// <param name="Name">Short id used in the JSON line, e.g. "1e5" or "128x784x512".</param>
/// <param name="Shape">Human-readable description of the inputs for the table.</param>
/// <param name="Work">Work per step, for the throughput columns; null where no throughput is meaningful.</param>
/// <param name="Ember">Builds the Ember side.</param>
/// <param name="Peer">Builds the peer side, or says why the peer cannot run this case.</param>
/// <param name="Epoch">For a training case, the epoch its steps make up, so the table prints the epoch's compute time.</param>
public sealed record BenchCase(string Name, string Shape, Work? Work, Func<ISide> Ember, PeerSide Peer, EpochSize? Epoch = null);

/// <summary>A peer framework's side of a case: a factory, or the reason the peer cannot run it.</summary>
public sealed record PeerSide(string PeerName, Func<ISide>? Create, string? Unavailable = null)
{
    public static PeerSide Missing(string peerName, string reason) => new(peerName, null, reason);
}
