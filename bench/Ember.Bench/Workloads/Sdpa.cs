using Ember.Bench.Harness;
using Ember.Bench.Peers;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// Causal scaled dot-product attention, forward and backward, on q, k, v [8, 8, T, 64] (batch, heads,
/// positions, head dim): Ember's fused op against libtorch's scaled_dot_product_attention. A step runs the
/// forward pass and the gradients of q, k and v for a fixed upstream gradient; cases are named T128, T512, T2048.
/// </summary>
public sealed class Sdpa : Workload
{
    const int B = 8, H = 8, D = 64;
    static readonly int[] Lengths = [128, 512, 2048];

    public override string Name => "sdpa";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (int t in Lengths)
        {
            int[] shape = [B, H, t, D];
            int count = B * H * t * D;
            // q, k, v and the upstream gradient, in that order.
            var data = new Lazy<float[][]>(() => [.. Enumerable.Range(0, 4).Select(i => SeededData.Normal(count, 71 + (ulong)i))]);
            yield return new BenchCase($"T{t}", $"[{B}x{H}x{t}x{D}] causal", Work.Flops(Flops(t)),
                () => EmberSide(data.Value, shape),
                Sides.TorchPeer(() => TorchSide(data.Value, shape)));
        }
    }

    /// <summary>
    /// Counted as FlashAttention reports it: the two products of the forward pass are 4·B·H·T²·D, the
    /// backward pass 2.5 times that, and the causal mask halves both.
    /// </summary>
    static double Flops(int t) => 3.5 * 4.0 * B * H * t * (double)t * D / 2;

    static ISide EmberSide(float[][] data, int[] shape)
    {
        var (q, k, v) = (Leaf(data[0], shape), Leaf(data[1], shape), Leaf(data[2], shape));
        var gradOut = Tensor.FromArray(data[3], shape);

        // The output and the three input gradients, each freed by the caller.
        Tensor[] Run()
        {
            var output = NN.Functional.ScaledDotProductAttention(q, k, v, isCausal: true);
            var grads = Autograd.Grad([output], [q, k, v], [gradOut]);
            return [output, .. grads.Select(g => g ?? throw new InvalidOperationException("sdpa: an input got no gradient."))];
        }

        return new Side(
            () => { foreach (var r in Run()) r.Dispose(); },
            () =>
            {
                var results = Run();
                try { return [.. results.SelectMany(r => r.ToArray<float>())]; }
                finally { foreach (var r in results) r.Dispose(); }
            },
            q, k, v, gradOut);
    }

    static Tensor Leaf(float[] values, int[] shape)
    {
        var t = Tensor.FromArray(values, shape);
        t.RequiresGrad = true;
        return t;
    }

    static ISide TorchSide(float[][] data, int[] shape)
    {
        var (q, k, v) = (TorchLeaf(data[0], shape), TorchLeaf(data[1], shape), TorchLeaf(data[2], shape));
        var gradOut = TorchSharpPeer.FromArray(data[3], shape);

        // Runs inside the caller's dispose scope, which frees the output and the gradients.
        torch.Tensor[] Run()
        {
            var output = torch.nn.functional.scaled_dot_product_attention(q, k, v, null, 0.0, true);
            var grads = torch.autograd.grad([output], [q, k, v], [gradOut]);
            return [output, .. grads];
        }

        return new Side(
            () => { using var scope = torch.NewDisposeScope(); Run(); },
            () =>
            {
                using var scope = torch.NewDisposeScope();
                return [.. Run().SelectMany(TorchSharpPeer.ToArray)];
            },
            q, k, v, gradOut);
    }

    static torch.Tensor TorchLeaf(float[] values, int[] shape) => TorchSharpPeer.FromArray(values, shape).requires_grad_(true);
}
