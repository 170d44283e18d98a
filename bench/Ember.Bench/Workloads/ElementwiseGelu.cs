using Ember.Bench.Harness;
using Ember.Bench.Peers;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>Exact (erf) GELU on a vector: one read, one write, and enough math to show kernel quality.</summary>
public sealed class ElementwiseGelu : Workload
{
    public override string Name => "elementwise_gelu";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (var (name, n) in Sizes.Elements)
        {
            var a = new Lazy<float[]>(() => SeededData.Normal(n, 3));
            yield return new BenchCase(name, $"gelu([{n}])", Work.Bytes(2.0 * n * sizeof(float)),
                () =>
                {
                    var x = Tensor.FromArray(a.Value, n);
                    return Sides.EmberOp(() => x.Gelu(), x);
                },
                Sides.TorchPeer(() =>
                {
                    var x = TorchSharpPeer.FromArray(a.Value, n);
                    return Sides.TorchOp(() => torch.nn.functional.gelu(x), x);
                }));
        }
    }
}
