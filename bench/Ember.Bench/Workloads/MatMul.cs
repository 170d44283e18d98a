using Ember.Bench.Harness;
using Ember.Bench.Peers;

namespace Ember.Bench.Workloads;

/// <summary>[M,K] @ [K,N] through the public MatMul op (allocation included); case names are MxKxN.</summary>
public sealed class MatMul : Workload
{
    /// <summary>Squares whose operand sizes span ~1e3..1e6 elements, plus an MLP-layer shape.</summary>
    static readonly (int M, int K, int N)[] Shapes =
        [(32, 32, 32), (100, 100, 100), (316, 316, 316), (1000, 1000, 1000), (128, 784, 512)];

    public override string Name => "matmul";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (var (m, k, n) in Shapes)
        {
            var a = new Lazy<float[]>(() => SeededData.Normal(m * k, 6));
            var b = new Lazy<float[]>(() => SeededData.Normal(k * n, 7));
            yield return new BenchCase($"{m}x{k}x{n}", $"[{m}x{k}] @ [{k}x{n}]", Work.Flops(2.0 * m * k * n),
                () =>
                {
                    var x = Tensor.FromArray(a.Value, m, k);
                    var y = Tensor.FromArray(b.Value, k, n);
                    return Sides.EmberOp(() => x.MatMul(y), x, y);
                },
                Sides.TorchPeer(() =>
                {
                    var x = TorchSharpPeer.FromArray(a.Value, m, k);
                    var y = TorchSharpPeer.FromArray(b.Value, k, n);
                    return Sides.TorchOp(() => x.matmul(y), x, y);
                }));
        }
    }
}
