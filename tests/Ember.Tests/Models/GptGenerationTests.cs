using Ember.Models;
using Xunit;

namespace Ember.Tests.Models;

/// <summary>Decoding with a <see cref="KVCache"/> must give what recomputing the whole prefix gives.</summary>
public sealed class GptGenerationTests
{
    static Gpt Tiny(GptPositions positions, int block = 16)
    {
        var gpt = new Gpt(new GptConfig(23, block, Layers: 2, Heads: 2, DModel: 16, Dropout: 0, positions), new Generator(5));
        gpt.Eval();
        return gpt;
    }

    static float[] LastLogits(Gpt gpt, long[] ids)
    {
        using var t = Tensor.FromArray(ids, 1, ids.Length);
        using var logits = gpt.Forward(t);
        using var last = logits.Select(1, ids.Length - 1);
        return last.ToArray<float>();
    }

    static void Close(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.Abs(expected[i]), $"{what}[{i}]: {actual[i]}, expected {expected[i]}");
    }

    [Theory]
    [InlineData(GptPositions.Learned)]
    [InlineData(GptPositions.Rotary)]
    public void CachedStepsEqualTheFullForwardsLastPosition(GptPositions positions)
    {
        var gpt = Tiny(positions);
        long[] seq = [3, 14, 15, 9, 2, 6, 5, 3, 5, 8, 9, 7];
        using var cache = new KVCache(2);
        using (Autograd.NoGrad())
        {
            // A 4-token prefill, then a 3-token chunk (shifted causal mask), then single tokens.
            int[] chunks = [4, 3, 1, 1, 1, 1, 1];
            int done = 0;
            foreach (int n in chunks)
            {
                using var ids = Tensor.FromArray(seq[done..(done + n)], 1, n);
                using var logits = gpt.Forward(ids, cache);
                done += n;
                Assert.Equal(done, cache.Length);
                for (int j = 0; j < n; j++)
                {
                    using var row = logits.Select(1, j);
                    Close(LastLogits(gpt, seq[..(done - n + j + 1)]), row.ToArray<float>(), $"position {done - n + j}");
                }
            }
        }
    }

    [Theory]
    [InlineData(GptPositions.Learned)]
    [InlineData(GptPositions.Rotary)]
    public void GenerateWithAndWithoutCacheAgreeEvenPastTheBlockSize(GptPositions positions)
    {
        var gpt = Tiny(positions, block: 8);
        var options = new SamplingOptions(MaxNewTokens: 20, Temperature: 0.9, TopK: 10);
        var cached = gpt.Generate([1, 2, 3], options, new Generator(11), useCache: true);
        var full = gpt.Generate([1, 2, 3], options, new Generator(11), useCache: false);
        Assert.Equal(20, cached.Length);
        Assert.Equal(full, cached);
        Assert.All(cached, t => Assert.InRange(t, 0, 22));
    }

    [Fact]
    public void GreedyGenerationFollowsTheArgmax()
    {
        var gpt = Tiny(GptPositions.Learned);
        var tokens = gpt.Generate([4, 2], new SamplingOptions(MaxNewTokens: 5, Temperature: 0));
        var context = new List<long> { 4, 2 };
        foreach (int t in tokens)
        {
            var logits = LastLogits(gpt, [.. context]);
            Assert.Equal(Array.IndexOf(logits, logits.Max()), t);
            context.Add(t);
        }
    }

    [Fact]
    public void StopsAfterTheEndToken()
    {
        var gpt = Tiny(GptPositions.Learned);
        var free = gpt.Generate([1], new SamplingOptions(MaxNewTokens: 30), new Generator(3));
        int end = free[4];
        var stopped = gpt.Generate([1], new SamplingOptions(MaxNewTokens: 30, EndToken: end), new Generator(3));
        int first = Array.IndexOf(free, end);
        Assert.Equal(free[..(first + 1)], stopped);
    }

    [Fact]
    public void GenerationRestoresTrainingModeAndRejectsBadPrompts()
    {
        var gpt = Tiny(GptPositions.Learned);
        gpt.Train();
        gpt.Generate([1], new SamplingOptions(MaxNewTokens: 2), new Generator(1));
        Assert.True(gpt.Training);
        Assert.Throws<ArgumentException>(() => gpt.Generate([], new SamplingOptions()));
        Assert.Contains("outside the vocabulary", Assert.Throws<ArgumentException>(() => gpt.Generate([23], new SamplingOptions())).Message);
        using var cache = new KVCache(3);
        using var ids = Tensor.FromArray(new long[] { 1 }, 1, 1);
        Assert.Contains("cache has 3 layers", Assert.Throws<ArgumentException>(() => gpt.Forward(ids, cache)).Message);
    }
}
