using Ember.Bench.Harness;
using Ember.Bench.Peers;

namespace Ember.Bench.Workloads;

/// <summary>a + b on same-shape contiguous vectors: pure memory bandwidth (two reads, one write).</summary>
public sealed class ElementwiseAdd : Workload
{
    public override string Name => "elementwise_add";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (var (name, n) in Sizes.Elements)
        {
            var a = new Lazy<float[]>(() => SeededData.Normal(n, 1));
            var b = new Lazy<float[]>(() => SeededData.Normal(n, 2));
            yield return new BenchCase(name, $"[{n}] + [{n}]", Work.Bytes(3.0 * n * sizeof(float)),
                () =>
                {
                    var x = Tensor.FromArray(a.Value, n);
                    var y = Tensor.FromArray(b.Value, n);
                    return Sides.EmberOp(() => x + y, x, y);
                },
                Sides.TorchPeer(() =>
                {
                    var x = TorchSharpPeer.FromArray(a.Value, n);
                    var y = TorchSharpPeer.FromArray(b.Value, n);
                    return Sides.TorchOp(() => x.add(y), x, y);
                }));
        }
    }
}
