using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Attention;

/// <summary>
/// Tests that must run alone. The fused path keeps memory linear in the sequence length: at L = S = 4096 the L × S weights alone
/// would take 64 MiB in float32, while q, k, v, the output and their gradients take 256 KiB each.
/// </summary>
[Collection("Memory")]
public sealed class AttentionMemoryTests
{
    [Fact]
    public void LongSequencesNeverMaterialiseTheWeights()
    {
        const int n = 4096, d = 16;
        var gen = new Generator(3);
        using var q = Tensor.Randn([1, n, d], gen, requiresGrad: true);
        using var k = Tensor.Randn([1, n, d], gen, requiresGrad: true);
        using var v = Tensor.Randn([1, n, d], gen, requiresGrad: true);
        long baseline = MemoryPool.LiveBytes, peak = baseline;
        using var stop = new CancellationTokenSource();
        // Sample the pool's live bytes while forward and backward run.
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                Volatile.Write(ref peak, Math.Max(Volatile.Read(ref peak), MemoryPool.LiveBytes));
                Thread.Sleep(1);
            }
        }) { IsBackground = true };
        sampler.Start();
        Tensor o;
        try
        {
            o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
            using var loss = o.Sum();
            loss.Backward();
            peak = Math.Max(peak, MemoryPool.LiveBytes);
        }
        finally { stop.Cancel(); sampler.Join(); }
        long grown = peak - baseline;
        long weights = (long)n * n * sizeof(float);
        Assert.True(grown < weights / 16, $"live memory grew by {grown >> 10} KiB during attention over {n} positions (the weights would be {weights >> 20} MiB)");

        // Spot-check rows against the explicit formula for that row alone.
        using (o)
        using (Autograd.NoGrad())
            foreach (int i in new[] { 0, 1, 2047, 4095 })
            {
                using var qi = q.Narrow(1, i, 1);
                using var kp = k.Narrow(1, 0, i + 1);
                using var vp = v.Narrow(1, 0, i + 1);
                using var kt = kp.Transpose(-2, -1);
                using var s = qi.MatMul(kt);
                using var scaled = s * 0.25f;
                using var p = scaled.Softmax(-1);
                using var expected = p.MatMul(vp);
                using var actual = o.Narrow(1, i, 1);
                AttentionFixtures.Close(expected, actual, 1e-5, 1e-4, $"row {i}");
            }
        Assert.NotNull(q.Grad);
        Assert.NotNull(k.Grad);
        Assert.NotNull(v.Grad);
    }

    /// <summary>Changes the process-wide thread count, so it runs with the other serial tests.</summary>
    [Fact]
    public void SingleThreadedGivesTheSameResult()
    {
        const string name = "causal_square";
        using var q = AttentionFixtures.Sdpa(name + ".q");
        using var k = AttentionFixtures.Sdpa(name + ".k");
        using var v = AttentionFixtures.Sdpa(name + ".v");
        int threads = Threading.NumThreads;
        try
        {
            Threading.SetNumThreads(1);
            using var o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
            AttentionFixtures.Close(AttentionFixtures.Sdpa(name + ".out"), o, 1e-10, 1e-10, name + " out, one thread");
        }
        finally { Threading.SetNumThreads(threads); }
    }

    /// <summary>
    /// Backward takes one pass per batch × head slice when there are at least four slices per thread, and
    /// two passes spread over the threads otherwise: both must give the same bits, and the one-pass form
    /// must pass the finite-difference check.
    /// </summary>
    [Fact]
    public void OnePassAndTwoPassBackwardAgree()
    {
        var rng = new Random(5);
        Tensor Leaf(params int[] shape)
        {
            int n = shape.Aggregate(1, (a, b) => a * b);
            var t = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), shape);
            t.RequiresGrad = true;
            return t;
        }
        using var q = Leaf(4, 4, 140, 8);  // 16 slices; 140 queries span two query blocks
        using var k = Leaf(4, 4, 140, 8);  // and 140 keys two key blocks
        using var v = Leaf(4, 4, 140, 5);
        using var dO = Tensor.Randn([4, 4, 140, 5], new Generator(3));
        int threads = Threading.NumThreads;
        try
        {
            float[][] Grads(int n)
            {
                Threading.SetNumThreads(n);
                q.ZeroGrad(); k.ZeroGrad(); v.ZeroGrad();
                using var o = F.ScaledDotProductAttention(q, k, v, isCausal: true);
                o.Backward(dO);
                return [q.Grad!.ToArray<float>(), k.Grad!.ToArray<float>(), v.Grad!.ToArray<float>()];
            }
            var onePass = Grads(1);    // 16 slices ≥ 4 per thread
            var twoPass = Grads(8);    // 16 slices < 4 per thread
            for (int i = 0; i < 3; i++) Assert.Equal(twoPass[i], onePass[i]);

            Threading.SetNumThreads(1);
            var drng = new Random(9);
            Tensor Leaf64(params int[] shape)
            {
                int n = shape.Aggregate(1, (a, b) => a * b);
                var t = Tensor.FromArray(Enumerable.Range(0, n).Select(_ => drng.NextDouble() * 2 - 1).ToArray(), shape);
                t.RequiresGrad = true;
                return t;
            }
            Assert.True(Autograd.GradCheck(x => F.ScaledDotProductAttention(x[0], x[1], x[2], isCausal: true),
                [Leaf64(4, 1, 5, 3), Leaf64(4, 1, 7, 3), Leaf64(4, 1, 7, 2)]), "one-pass backward differs from finite differences");
        }
        finally { Threading.SetNumThreads(threads); }
    }
}
