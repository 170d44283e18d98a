using Ember.Bench.Harness;
using Ember.Bench.Peers;

namespace Ember.Bench.Workloads;

/// <summary>Sum over the last dim of [rows, 1000]: one streaming read, a tiny write.</summary>
public sealed class ReduceSum : Workload
{
    public override string Name => "reduce_sum";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (var (name, n) in Sizes.Elements)
        {
            int[] shape = Sizes.Rows(n);
            int last = shape.Length - 1;
            var a = new Lazy<float[]>(() => SeededData.Normal(n, 4));
            yield return new BenchCase(name, $"sum({Sizes.Describe(shape)}, -1)",
                Work.Bytes((n + shape[0]) * (double)sizeof(float)),
                () =>
                {
                    var x = Tensor.FromArray(a.Value, shape);
                    return Sides.EmberOp(() => x.Sum(last), x);
                },
                Sides.TorchPeer(() =>
                {
                    var x = TorchSharpPeer.FromArray(a.Value, shape);
                    return Sides.TorchOp(() => x.sum(last), x);
                }));
        }
    }
}
