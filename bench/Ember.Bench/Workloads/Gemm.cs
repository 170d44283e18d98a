using Ember.Bench.Harness;
using Ember.Bench.Peers;

namespace Ember.Bench.Workloads;

/// <summary>C = A·B, [M,K] @ [K,N], through the public MatMul op (allocation included); case names are MxKxN.</summary>
public sealed class Gemm : Workload
{
    /// <summary>
    /// Squares from cache-resident to memory-bound, the first layer of the MLP (batch 128, 784 → 512),
    /// and the im2col product of the CNN's second convolution (64·13·13 positions, 32·3·3 → 64).
    /// </summary>
    static readonly (int M, int K, int N)[] Shapes =
    [
        (256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (2048, 2048, 2048),
        (128, 784, 512), (10816, 288, 64),
    ];

    public override string Name => "gemm";

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
