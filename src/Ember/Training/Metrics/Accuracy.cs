namespace Ember.Training;

/// <summary>
/// The fraction of samples whose predicted class is the target: argmax of [N, C] logits (or [N, C, d…] per
/// position) against class indices, or, for an output of the target's own shape, output ≥ threshold
/// (probabilities; pass threshold 0 for logits) against 0/1 targets.
/// </summary>
public sealed class Accuracy(double threshold = 0.5) : Metric
{
    long correct, total;

    public override string Name => "accuracy";

    public override void Update(Tensor output, Tensor target)
    {
        var (pred, actual, _) = MetricInputs.Classes(output, target, threshold, nameof(Accuracy));
        for (int i = 0; i < pred.Length; i++) if (pred[i] == actual[i]) correct++;
        total += pred.Length;
    }

    public override double Compute() => total > 0 ? (double)correct / total : double.NaN;

    public override void Reset() => (correct, total) = (0, 0);
}
