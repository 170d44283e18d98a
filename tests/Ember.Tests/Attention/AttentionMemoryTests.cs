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
}
