namespace Ember.Bench.Harness;

/// <summary>
/// For a training case: how many images an epoch holds and how many a step takes, so the table can turn a
/// step's time into the compute time of one epoch (data loading and augmentation not included).
/// </summary>
public sealed record EpochSize(int Images, int BatchSize)
{
    /// <summary>Steps per epoch, the last batch possibly smaller (counted as a whole step).</summary>
    public int Steps => (Images + BatchSize - 1) / BatchSize;

    /// <summary>Seconds for one epoch at <paramref name="msPerStep"/> milliseconds per step.</summary>
    public double Seconds(double msPerStep) => Steps * msPerStep / 1000;
}
