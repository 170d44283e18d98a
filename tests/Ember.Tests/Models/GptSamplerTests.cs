using Ember.Models;
using Xunit;

namespace Ember.Tests.Models;

public sealed class GptSamplerTests
{
    // Distinct logits: token order by likelihood is 3, 0, 5, 1, 4, 2.
    static readonly float[] logits = [2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 1.0f];

    static double[] Softmax(float[] z, double temperature = 1)
    {
        var e = z.Select(v => Math.Exp(v / temperature)).ToArray();
        double s = e.Sum();
        return e.Select(v => v / s).ToArray();
    }

    [Fact]
    public void TemperatureZeroIsArgmax()
    {
        var g = new Generator(1);
        for (int i = 0; i < 20; i++) Assert.Equal(3, Sampler.Sample(logits, new SamplingOptions(Temperature: 0), g));
        var p = Sampler.Probabilities(logits, new SamplingOptions(Temperature: 0));
        Assert.Equal([0, 0, 0, 1, 0, 0], p);
    }

    [Fact]
    public void PlainSamplingIsTheTemperedSoftmax()
    {
        var p = Sampler.Probabilities(logits, new SamplingOptions(Temperature: 0.7));
        var expected = Softmax(logits, 0.7);
        for (int i = 0; i < 6; i++) Assert.Equal(expected[i], p[i], 12);

        // Empirical frequencies from the seeded generator follow it.
        var g = new Generator(123);
        var counts = new int[6];
        const int n = 20000;
        for (int i = 0; i < n; i++) counts[Sampler.Sample(logits, new SamplingOptions(Temperature: 0.7), g)]++;
        for (int i = 0; i < 6; i++) Assert.InRange(counts[i] / (double)n, expected[i] - 0.015, expected[i] + 0.015);
    }

    [Fact]
    public void TopKNeverPicksOutsideTheTopK()
    {
        var options = new SamplingOptions(TopK: 2);
        var g = new Generator(7);
        var seen = new HashSet<int>();
        for (int i = 0; i < 2000; i++) seen.Add(Sampler.Sample(logits, options, g));
        Assert.Equal([0, 3], seen.Order());
        var p = Sampler.Probabilities(logits, options);
        double z = Math.Exp(3) + Math.Exp(2);
        Assert.Equal(Math.Exp(3) / z, p[3], 12);
        Assert.Equal(Math.Exp(2) / z, p[0], 12);
        Assert.Equal(0, p[1] + p[2] + p[4] + p[5]);
    }

    [Fact]
    public void TopPKeepsTheSmallestSetReachingP()
    {
        var full = Softmax(logits);
        int[] order = [3, 0, 5, 1, 4, 2];
        foreach (double topP in new[] { 0.3, 0.6, 0.8, 0.9, 0.99, 1.0 })
        {
            // The reference: the shortest prefix of the sorted distribution with mass ≥ p.
            int keep = 0;
            double mass = 0;
            while (mass < topP && keep < 6) mass += full[order[keep++]];
            var p = Sampler.Probabilities(logits, new SamplingOptions(TopP: topP));
            for (int r = 0; r < 6; r++)
            {
                int i = order[r];
                if (r < keep) Assert.Equal(full[i] / mass, p[i], 12);
                else Assert.Equal(0, p[i]);
            }
            var g = new Generator(17);
            for (int s = 0; s < 500; s++) Assert.Contains(Sampler.Sample(logits, new SamplingOptions(TopP: topP), g), order[..keep]);
        }
    }

    [Fact]
    public void TopKThenTopPAndMaskedLogits()
    {
        float[] z = [1f, float.NegativeInfinity, 2f, 0f];
        var p = Sampler.Probabilities(z, new SamplingOptions(TopK: 3, TopP: 0.5));
        Assert.Equal([0, 0, 1, 0], p); // token 2 alone holds e²/(e²+e+1) ≈ 0.67 ≥ 0.5
        var q = Sampler.Probabilities(z, new SamplingOptions());
        Assert.Equal(0, q[1]);
    }

    [Fact]
    public void SeededSamplingRepeats()
    {
        var o = new SamplingOptions(Temperature: 1.3, TopK: 5);
        var a = Enumerable.Range(0, 50).Select(_ => 0).ToArray();
        var g1 = new Generator(99);
        var g2 = new Generator(99);
        Assert.Equal(Enumerable.Range(0, 50).Select(_ => Sampler.Sample(logits, o, g1)), Enumerable.Range(0, 50).Select(_ => Sampler.Sample(logits, o, g2)));
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        var g = new Generator(0);
        Assert.Contains("TopK", Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, new SamplingOptions(TopK: 0), g)).Message);
        Assert.Contains("TopP", Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, new SamplingOptions(TopP: 0), g)).Message);
        Assert.Contains("Temperature", Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, new SamplingOptions(Temperature: -1), g)).Message);
        Assert.Throws<ArgumentException>(() => Sampler.Sample([], new SamplingOptions(), g));
        Assert.Throws<ArgumentException>(() => Sampler.Sample([float.NaN, 1f], new SamplingOptions(), g));
        Assert.Throws<ArgumentException>(() => Sampler.Sample([float.NegativeInfinity], new SamplingOptions(), g));
    }
}
