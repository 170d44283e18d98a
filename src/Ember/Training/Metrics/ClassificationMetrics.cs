namespace Ember.Training;

/// <summary>How per-class scores become one number.</summary>
public enum Average
{
    /// <summary>The unweighted mean over classes: every class counts the same, however rare.</summary>
    Macro,
    /// <summary>From the pooled counts of all classes (for single-label data, equal to accuracy).</summary>
    Micro,
    /// <summary>The mean over classes weighted by how many samples each has.</summary>
    Weighted,
}

/// <summary>
/// Precision, recall or F1 from a <see cref="ConfusionMatrix"/>; a class with nothing to divide by scores 0,
/// as sklearn's zero_division=0. <see cref="PerClass"/> gives the scores of every class.
/// </summary>
public abstract class ClassificationMetric : Metric
{
    readonly ConfusionMatrix matrix;

    private protected ClassificationMetric(int numClasses, Average average, double threshold)
    {
        matrix = new ConfusionMatrix(numClasses, threshold);
        if (!Enum.IsDefined(average)) throw new ArgumentOutOfRangeException(nameof(average), average, $"{GetType().Name}: unknown average {average}.");
        Average = average;
    }

    public Average Average { get; }

    public int NumClasses => matrix.NumClasses;

    /// <summary>The counts behind the score.</summary>
    public ConfusionMatrix Matrix => matrix;

    private protected abstract string Short { get; }

    public override string Name => Average == Average.Macro ? Short : $"{Short}_{Average.ToString().ToLowerInvariant()}";

    /// <summary>The score from true positives, predicted positives and actual positives.</summary>
    private protected abstract double Score(long tp, long predicted, long actual);

    public override void Update(Tensor output, Tensor target) => matrix.Update(output, target);

    /// <summary>The score of each class.</summary>
    public double[] PerClass()
    {
        var s = new double[NumClasses];
        for (int c = 0; c < s.Length; c++)
        {
            var (tp, p, a) = matrix.Class(c);
            s[c] = Score(tp, p, a);
        }
        return s;
    }

    public override double Compute()
    {
        long total = matrix.Total;
        if (total == 0) return double.NaN;
        switch (Average)
        {
            case Average.Micro:
                long tp = 0, p = 0, a = 0;
                for (int c = 0; c < NumClasses; c++) { var k = matrix.Class(c); tp += k.Tp; p += k.Predicted; a += k.Actual; }
                return Score(tp, p, a);
            case Average.Weighted:
                var w = PerClass();
                double sum = 0;
                for (int c = 0; c < NumClasses; c++) sum += w[c] * matrix.Class(c).Actual;
                return sum / total;
            default:
                return PerClass().Average();
        }
    }

    public override void Reset() => matrix.Reset();

    private protected static double Ratio(long a, long b) => b == 0 ? 0 : (double)a / b;
}

/// <summary>Of the samples predicted as a class, the fraction that are: TP / (TP + FP).</summary>
public sealed class Precision(int numClasses, Average average = Average.Macro, double threshold = 0.5)
    : ClassificationMetric(numClasses, average, threshold)
{
    private protected override string Short => "precision";
    private protected override double Score(long tp, long predicted, long actual) => Ratio(tp, predicted);
}

/// <summary>Of the samples of a class, the fraction predicted as it: TP / (TP + FN).</summary>
public sealed class Recall(int numClasses, Average average = Average.Macro, double threshold = 0.5)
    : ClassificationMetric(numClasses, average, threshold)
{
    private protected override string Short => "recall";
    private protected override double Score(long tp, long predicted, long actual) => Ratio(tp, actual);
}

/// <summary>The harmonic mean of precision and recall: 2·TP / (2·TP + FP + FN).</summary>
public sealed class F1Score(int numClasses, Average average = Average.Macro, double threshold = 0.5)
    : ClassificationMetric(numClasses, average, threshold)
{
    private protected override string Short => "f1";
    private protected override double Score(long tp, long predicted, long actual) => Ratio(2 * tp, predicted + actual);
}
