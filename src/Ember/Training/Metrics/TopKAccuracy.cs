namespace Ember.Training;

/// <summary>
/// The fraction of samples whose target is among the <c>k</c> highest-scoring classes. Ties are broken
/// against the target: a class scoring exactly the target's score ranks above it when it comes first, so
/// the metric never flatters a model that outputs constant scores.
/// </summary>
public sealed class TopKAccuracy : Metric
{
    readonly int k;
    long correct, total;

    public TopKAccuracy(int k = 5)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, $"TopKAccuracy: k must be at least 1, got {k}.");
        this.k = k;
    }

    public int K => k;

    public override string Name => $"top{k}_accuracy";

    public override void Update(Tensor output, Tensor target)
    {
        var scores = MetricInputs.Scores(output, target, Name, out int classes);
        var labels = MetricInputs.Labels(target, Name);
        if (k > classes) throw new ArgumentException($"TopKAccuracy: k = {k} is more than the {classes} classes of outputs of shape {Shapes.Format(output.Shape)}.");
        for (int i = 0; i < labels.Length; i++)
        {
            long y = labels[i];
            if (y < 0 || y >= classes) throw new ArgumentException($"TopKAccuracy: target {y} at sample {i} is not a class of outputs of shape {Shapes.Format(output.Shape)}.");
            double s = scores[i * classes + y];
            int above = 0; // classes ranked before the target
            for (int c = 0; c < classes; c++)
            {
                double v = scores[i * classes + c];
                if (v > s || (v == s && c < y) || double.IsNaN(v)) above++;
            }
            if (above < k) correct++;
        }
        total += labels.Length;
    }

    public override double Compute() => total > 0 ? (double)correct / total : double.NaN;

    public override void Reset() => (correct, total) = (0, 0);
}
