using Ember.Bench.Harness;
using Ember.Bench.Peers;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>Builds the two sides of single-op cases: run the op, free its result, and own the inputs.</summary>
public static class Sides
{
    public static ISide EmberOp(Func<Tensor> op, params Tensor[] inputs) => new Side(
        () => { using (op()) { } },
        () => { using var r = op(); return r.ToArray<float>(); },
        inputs);

    public static ISide TorchOp(Func<torch.Tensor> op, params torch.Tensor[] inputs) => new Side(
        () => { using (op()) { } },
        () => { using var r = op(); return TorchSharpPeer.ToArray(r); },
        inputs);

    /// <summary>The TorchSharp side of a case, or the reason it cannot run when libtorch did not load.</summary>
    public static PeerSide TorchPeer(Func<ISide> create) =>
        TorchSharpPeer.LoadError is { } error
            ? PeerSide.Missing(TorchSharpPeer.Name, error)
            : new PeerSide(TorchSharpPeer.Name, create);
}
