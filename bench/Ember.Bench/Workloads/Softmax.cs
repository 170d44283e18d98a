using Ember.Bench.Harness;
using Ember.Bench.Peers;

namespace Ember.Bench.Workloads;

/// <summary>Softmax over the last dim of [rows, 1000]; throughput counts one read and one write.</summary>
public sealed class Softmax : Workload
{
    public override string Name => "softmax";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (var (name, n) in Sizes.Elements)
        {
            int[] shape = Sizes.Rows(n);
            int last = shape.Length - 1;
            var a = new Lazy<float[]>(() => SeededData.Normal(n, 5));
            yield return new BenchCase(name, $"softmax({Sizes.Describe(shape)}, -1)",
                Work.Bytes(2.0 * n * sizeof(float)),
                () =>
                {
                    var x = Tensor.FromArray(a.Value, shape);
                    return Sides.EmberOp(() => x.Softmax(last), x);
                },
                Sides.TorchPeer(() =>
                {
                    var x = TorchSharpPeer.FromArray(a.Value, shape);
                    return Sides.TorchOp(() => x.softmax(last), x);
                }));
        }
    }
}
