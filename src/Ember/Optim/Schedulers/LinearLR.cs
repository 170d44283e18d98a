namespace Ember.Optim;

/// <summary>
/// Scales each group's base rate by a factor that moves linearly from <c>startFactor</c> to <c>endFactor</c>
/// over <c>totalIters</c> epochs (a warm-up), as torch.optim.lr_scheduler.LinearLR.
/// </summary>
public sealed class LinearLR : LRScheduler
{
    double startFactor, endFactor;
    int totalIters;

    public LinearLR(Optimizer optimizer, double startFactor = 1.0 / 3, double endFactor = 1.0, int totalIters = 5, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (!(startFactor > 0 && startFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, $"LinearLR: startFactor must lie in (0, 1], got {startFactor}.");
        if (!(endFactor >= 0 && endFactor <= 1))
            throw new ArgumentOutOfRangeException(nameof(endFactor), endFactor, $"LinearLR: endFactor must lie in [0, 1], got {endFactor}.");
        if (totalIters <= 0) throw new ArgumentOutOfRangeException(nameof(totalIters), totalIters, $"LinearLR: totalIters must be positive, got {totalIters}.");
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        InitialStep();
    }

    protected override double GetLr(int i, ParamGroup group)
    {
        double lr = group.LearningRate;
        if (LastEpoch == 0) return lr * startFactor;
        if (LastEpoch > totalIters) return lr;
        // The ratio of this epoch's factor to the last one's, PyTorch's recursive form.
        return lr * (1.0 + (endFactor - startFactor) / (totalIters * startFactor + (LastEpoch - 1) * (endFactor - startFactor)));
    }

    protected override bool HasClosedForm => true;
    protected override double ClosedFormLr(int i)
        => BaseLrs[i] * (startFactor + (endFactor - startFactor) * Math.Min(totalIters, LastEpoch) / totalIters);

    protected override void SaveSettings(Dictionary<string, double[]> s) { s["start_factor"] = [startFactor]; s["end_factor"] = [endFactor]; s["total_iters"] = [totalIters]; }
    protected override void LoadSettings(Dictionary<string, double[]> s) { startFactor = s["start_factor"][0]; endFactor = s["end_factor"][0]; totalIters = (int)s["total_iters"][0]; }
}
