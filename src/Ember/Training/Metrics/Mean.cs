namespace Ember.Training;

/// <summary>
/// The weighted mean of values given one batch at a time: the loss metric. Keeps the sum in double, so the
/// mean of a whole epoch does not depend on how it was cut into batches beyond rounding of each value.
/// </summary>
public sealed class Mean(string name = "loss") : Metric
{
    double sum, weight;

    public override string Name => name;

    /// <summary>Adds <paramref name="value"/> counted <paramref name="count"/> times (a batch's mean loss and its size).</summary>
    public void Update(double value, double count = 1)
    {
        if (!(count >= 0)) throw new ArgumentOutOfRangeException(nameof(count), count, $"Mean '{name}': the weight must be non-negative, got {count}.");
        sum += value * count;
        weight += count;
    }

    /// <summary>Adds every element of <paramref name="output"/> (the target is not used).</summary>
    public override void Update(Tensor output, Tensor target)
    {
        ArgumentNullException.ThrowIfNull(output);
        foreach (var v in MetricInputs.Doubles(output)) Update(v);
    }

    public override double Compute() => weight > 0 ? sum / weight : double.NaN;

    /// <summary>The total weight so far (samples, for a loss).</summary>
    public double Count => weight;

    public override void Reset() => (sum, weight) = (0, 0);
}
