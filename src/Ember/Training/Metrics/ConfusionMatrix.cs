namespace Ember.Training;

/// <summary>
/// Counts of (true class, predicted class) pairs over batches: row = target, column = prediction, as
/// sklearn's confusion_matrix. Inputs are read as <see cref="Accuracy"/> reads them.
/// </summary>
public sealed class ConfusionMatrix
{
    readonly long[,] counts;
    readonly double threshold;

    public ConfusionMatrix(int numClasses, double threshold = 0.5)
    {
        if (numClasses < 2) throw new ArgumentOutOfRangeException(nameof(numClasses), numClasses, $"ConfusionMatrix: numClasses must be at least 2, got {numClasses}.");
        NumClasses = numClasses;
        counts = new long[numClasses, numClasses];
        this.threshold = threshold;
    }

    public int NumClasses { get; }

    public void Update(Tensor output, Tensor target)
    {
        var (pred, actual, classes) = MetricInputs.Classes(output, target, threshold, nameof(ConfusionMatrix));
        if (classes > NumClasses)
            throw new ArgumentException($"ConfusionMatrix: outputs of shape {Shapes.Format(output.Shape)} score {classes} classes, but the matrix has {NumClasses}.");
        for (int i = 0; i < pred.Length; i++)
        {
            if ((ulong)actual[i] >= (ulong)NumClasses)
                throw new ArgumentException($"ConfusionMatrix: target {actual[i]} at sample {i} is outside the {NumClasses} classes [0, {NumClasses}).");
            counts[actual[i], pred[i]]++;
        }
    }

    /// <summary>A copy of the counts, [true class, predicted class].</summary>
    public long[,] Compute() => (long[,])counts.Clone();

    /// <summary>The count of samples of class <paramref name="actual"/> predicted as <paramref name="predicted"/>.</summary>
    public long this[int actual, int predicted] => counts[actual, predicted];

    public void Reset() => Array.Clear(counts);

    /// <summary>Per class: true positives, predicted positives (column sum) and actual positives (row sum).</summary>
    internal (long Tp, long Predicted, long Actual) Class(int c)
    {
        long p = 0, a = 0;
        for (int k = 0; k < NumClasses; k++) { p += counts[k, c]; a += counts[c, k]; }
        return (counts[c, c], p, a);
    }

    /// <summary>Samples counted so far.</summary>
    internal long Total
    {
        get
        {
            long t = 0;
            foreach (var v in counts) t += v;
            return t;
        }
    }
}
