using Ember;
using Ember.Training;
using Xunit;

namespace Ember.Tests.Training;

public class MetricTests
{
    static Tensor Logits(float[,] v) => Tensor.FromArray(v.Cast<float>().ToArray(), v.GetLength(0), v.GetLength(1));
    static Tensor Labels(params long[] y) => Tensor.FromArray(y, y.Length);

    [Fact]
    public void AccuracyCountsArgmaxHitsOverBatches()
    {
        var acc = new Accuracy();
        Assert.True(double.IsNaN(acc.Compute()));
        using (var o = Logits(new float[,] { { 2, 1, 0 }, { 0, 3, 1 }, { 1, 0, 5 } }))
        using (var y = Labels(0, 2, 2)) acc.Update(o, y);      // hits: 0 and 2
        using (var o = Logits(new float[,] { { 0, 0, 9 } }))
        using (var y = Labels(1)) acc.Update(o, y);             // miss
        Assert.Equal(2.0 / 4, acc.Compute());
        acc.Reset();
        Assert.True(double.IsNaN(acc.Compute()));
    }

    [Fact]
    public void AccuracyReadsBinaryOutputsByThresholdAndPerPositionLogits()
    {
        var acc = new Accuracy(threshold: 0.5);
        using (var p = Tensor.FromArray([0.9f, 0.2f, 0.6f, 0.4f], 4))
        using (var y = Tensor.FromArray([1f, 0f, 0f, 1f], 4)) acc.Update(p, y);
        Assert.Equal(0.5, acc.Compute());

        // [N, C, L] logits against [N, L] targets, as CrossEntropy reads them.
        var seg = new Accuracy();
        using var o = Tensor.FromArray([1f, 0f, 0f, 1f], 1, 2, 2); // position 0 → class 0, position 1 → class 1
        using var t = Tensor.FromArray([0L, 0L], 1, 2);
        seg.Update(o, t);
        Assert.Equal(0.5, seg.Compute());
    }

    [Fact]
    public void TopKCountsTheTargetAmongTheKBest()
    {
        var top2 = new TopKAccuracy(2);
        using var o = Logits(new float[,] { { 3, 2, 1, 0 }, { 3, 2, 1, 0 }, { 0, 1, 2, 3 }, { 1, 1, 1, 1 } });
        using var y = Labels(1, 2, 2, 3);
        top2.Update(o, y);
        // hit, miss, hit, and a tie that ranks the target last: miss.
        Assert.Equal(0.5, top2.Compute());
        Assert.Equal("top2_accuracy", top2.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKAccuracy(0));
        var top5 = new TopKAccuracy(5);
        Assert.Contains("k = 5", Assert.Throws<ArgumentException>(() => top5.Update(o, y)).Message);
    }

    [Fact]
    public void PrecisionRecallF1MatchPlainLoopsOnRandomData()
    {
        const int n = 200, c = 4;
        var g = new Generator(3);
        var scores = new float[n * c];
        var y = new long[n];
        for (int i = 0; i < scores.Length; i++) scores[i] = (float)g.NextNormal();
        for (int i = 0; i < n; i++) y[i] = g.NextInt64(0, c - 1); // class 3 never occurs: its recall has nothing to divide by
        var pred = new long[n];
        for (int i = 0; i < n; i++)
            for (int k = 1; k < c; k++) if (scores[i * c + k] > scores[i * c + pred[i]]) pred[i] = k;

        double[] p = new double[c], r = new double[c], f = new double[c], support = new double[c];
        long tpAll = 0;
        for (int k = 0; k < c; k++)
        {
            long tp = 0, fp = 0, fn = 0;
            for (int i = 0; i < n; i++)
            {
                if (pred[i] == k && y[i] == k) tp++;
                if (pred[i] == k && y[i] != k) fp++;
                if (pred[i] != k && y[i] == k) fn++;
            }
            tpAll += tp;
            support[k] = tp + fn;
            p[k] = tp + fp == 0 ? 0 : (double)tp / (tp + fp);
            r[k] = tp + fn == 0 ? 0 : (double)tp / (tp + fn);
            f[k] = 2 * tp + fp + fn == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        }

        var metrics = new ClassificationMetric[]
        {
            new Precision(c), new Recall(c), new F1Score(c),
            new Precision(c, Average.Micro), new Recall(c, Average.Weighted), new F1Score(c, Average.Weighted),
        };
        // Two batches, so the counts must add up across updates.
        using (var o1 = Tensor.FromArray(scores[..(120 * c)], 120, c))
        using (var y1 = Tensor.FromArray(y[..120], 120))
        using (var o2 = Tensor.FromArray(scores[(120 * c)..], 80, c))
        using (var y2 = Tensor.FromArray(y[120..], 80))
            foreach (var m in metrics) { m.Update(o1, y1); m.Update(o2, y2); }

        Close(p, metrics[0].PerClass());
        Close(r, metrics[1].PerClass());
        Close(f, metrics[2].PerClass());
        Assert.Equal(0, r[3]);
        Assert.Equal(p.Average(), metrics[0].Compute(), 12);
        Assert.Equal(r.Average(), metrics[1].Compute(), 12);
        Assert.Equal(f.Average(), metrics[2].Compute(), 12);
        Assert.Equal((double)tpAll / n, metrics[3].Compute(), 12); // micro precision = accuracy
        Assert.Equal(Enumerable.Range(0, c).Sum(k => r[k] * support[k]) / n, metrics[4].Compute(), 12);
        Assert.Equal(Enumerable.Range(0, c).Sum(k => f[k] * support[k]) / n, metrics[5].Compute(), 12);
        Assert.Equal(["precision", "recall", "f1", "precision_micro", "recall_weighted", "f1_weighted"], metrics.Select(m => m.Name));
    }

    static void Close(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void ConfusionMatrixCountsTrueAgainstPredicted()
    {
        var cm = new ConfusionMatrix(3);
        using var o = Logits(new float[,] { { 5, 0, 0 }, { 5, 0, 0 }, { 0, 5, 0 }, { 0, 0, 5 }, { 0, 5, 0 } });
        using var y = Labels(0, 1, 1, 2, 2);
        cm.Update(o, y);
        Assert.Equal(new long[,] { { 1, 0, 0 }, { 1, 1, 0 }, { 0, 1, 1 } }, cm.Compute());
        Assert.Equal(1, cm[1, 0]);
        cm.Reset();
        Assert.Equal(new long[3, 3], cm.Compute());
        using var bad = Labels(0, 1, 1, 2, 7);
        Assert.Contains("target 7", Assert.Throws<ArgumentException>(() => cm.Update(o, bad)).Message);
    }

    [Fact]
    public void MeanWeightsEachValueByItsCount()
    {
        var m = new Mean();
        m.Update(1.0, 3);
        m.Update(5.0, 1);
        Assert.Equal(2.0, m.Compute());
        Assert.Equal(4.0, m.Count);
        Assert.Equal("loss", m.Name);
    }

    [Fact]
    public void MismatchedShapesGetASentenceNamingBoth()
    {
        using var o = Tensor.Zeros(4, 5);
        using var y = Labels(0, 1, 2);
        var e = Assert.Throws<ArgumentException>(() => new Accuracy().Update(o, y));
        Assert.Contains("Accuracy", e.Message);
        Assert.Contains("[3]", e.Message);
        Assert.Contains("[4, 5]", e.Message);
        Assert.Contains("expected class indices of shape [4]", e.Message);
        using var fy = Tensor.Zeros(4);
        Assert.Contains("class indices", Assert.Throws<ArgumentException>(() => new TopKAccuracy(2).Update(o, fy)).Message);
    }
}
