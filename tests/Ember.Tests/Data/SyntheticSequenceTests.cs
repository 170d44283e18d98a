using Ember.Data.Synthetic;
using Xunit;

namespace Ember.Tests.Data;

/// <summary>The generated waveform-classification sequences and their padded batches.</summary>
public sealed class SyntheticSequenceTests
{
    [Fact]
    public void SamplesAreFixedByTheSeedAndIndexAndSpreadOverTheClasses()
    {
        var a = new WaveformSequences(400, seed: 5);
        var b = new WaveformSequences(400, seed: 5);
        var c = new WaveformSequences(400, seed: 6);
        Assert.Equal(a.Sequence(17).Values, b.Sequence(17).Values);
        Assert.Equal(a.Sequence(17).Label, b.Sequence(17).Label);
        Assert.NotEqual(a.Sequence(17).Values, c.Sequence(17).Values);
        var counts = a.ClassCounts();
        Assert.Equal(4, counts.Length);
        Assert.Equal(400, counts.Sum());
        Assert.All(counts, n => Assert.InRange(n, 70, 130));
        var lengths = Enumerable.Range(0, a.Count).Select(i => a.Sequence(i).Values.Length).ToArray();
        Assert.Equal(20, lengths.Min());
        Assert.Equal(60, lengths.Max());
    }

    [Fact]
    public void WithoutNoiseEachClassHasItsShape()
    {
        var set = new WaveformSequences(200, seed: 1, minLength: 200, maxLength: 200, noiseStd: 0);
        foreach (int i in Enumerable.Range(0, set.Count))
        {
            var (v, label) = set.Sequence(i);
            double mean = v.Average(x => (double)x);
            var centered = v.Select(x => x - mean).ToArray();
            double amplitude = centered.Max(Math.Abs);
            // Distinct values: a square wave takes two, the others many.
            int levels = v.Select(x => Math.Round(x, 4)).Distinct().Count();
            if (label == 1) Assert.Equal(2, levels);
            else Assert.True(levels > 10, $"sample {i} of class {label} has {levels} levels");
            // Sawtooth: a slow rise then one drop per cycle, so the largest steps are negative jumps of ~2·amplitude.
            double biggestDrop = v.Zip(v.Skip(1), (x, y) => x - y).Max();
            double biggestRise = v.Zip(v.Skip(1), (x, y) => y - x).Max();
            if (label == 3) Assert.True(biggestDrop > 3 * biggestRise, $"sawtooth sample {i}: drop {biggestDrop}, rise {biggestRise}");
            Assert.InRange(amplitude, 0.4, 1.6);
        }
    }

    [Fact]
    public void APaddedBatchKeepsEachSequenceAndItsLength()
    {
        var set = new WaveformSequences(10, seed: 2);
        int[] indices = [3, 0, 7];
        var (inputs, lengths, labels) = set.PaddedBatch(indices);
        using (inputs)
        using (labels)
        {
            int tMax = lengths.Max();
            Assert.Equal([3, tMax, 1], inputs.Shape);
            var x = inputs.ToArray<float>();
            var y = labels.ToArray<long>();
            for (int b = 0; b < 3; b++)
            {
                var (values, label) = set.Sequence(indices[b]);
                Assert.Equal(values.Length, lengths[b]);
                Assert.Equal(label, y[b]);
                Assert.Equal(values, x.AsSpan(b * tMax, values.Length).ToArray());
                Assert.All(x.AsSpan(b * tMax + values.Length, tMax - values.Length).ToArray(), v => Assert.Equal(0f, v));
            }
        }
        var (one, label1) = set.Get(4);
        using (one)
        {
            Assert.Equal([set.Sequence(4).Values.Length, 1], one.Shape);
            Assert.Equal(set.Sequence(4).Label, label1);
        }
    }

    [Fact]
    public void BadSettingsAreRefusedWithTheirNames()
    {
        Assert.Contains("minLength", Assert.Throws<ArgumentException>(() => new WaveformSequences(10, 0, minLength: 1)).Message);
        Assert.Contains("maxLength", Assert.Throws<ArgumentException>(() => new WaveformSequences(10, 0, minLength: 30, maxLength: 20)).Message);
        Assert.Contains("noiseStd", Assert.Throws<ArgumentException>(() => new WaveformSequences(10, 0, noiseStd: double.NaN)).Message);
        Assert.Contains("periods", Assert.Throws<ArgumentException>(() => new WaveformSequences(10, 0, minPeriod: 1)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new WaveformSequences(10, 0).PaddedBatch([])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WaveformSequences(10, 0).Sequence(10));
    }
}
