namespace Ember.Optim;

/// <summary>
/// Anneals each group's rate from its base rate to <c>etaMin</c> along a half cosine over <c>tMax</c> epochs
/// (and back up over the next tMax, and so on), as torch.optim.lr_scheduler.CosineAnnealingLR, including its
/// recursive step so rates set from outside are followed the same way.
/// </summary>
public sealed class CosineAnnealingLR : LRScheduler
{
    int tMax;
    double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (tMax <= 0) throw new ArgumentOutOfRangeException(nameof(tMax), tMax, $"CosineAnnealingLR: tMax must be positive, got {tMax}.");
        this.tMax = tMax;
        this.etaMin = etaMin;
        InitialStep();
    }

    protected override double GetLr(int i, ParamGroup group)
    {
        double lr = group.LearningRate;
        if (LastEpoch == 0) return lr;
        if (StepCount == 1 && LastEpoch > 0) return etaMin + (BaseLrs[i] - etaMin) * (1 + Math.Cos(LastEpoch * Math.PI / tMax)) / 2;
        if ((LastEpoch - 1 - tMax) % (2 * tMax) == 0)
            return lr + (BaseLrs[i] - etaMin) * (1 - Math.Cos(Math.PI / tMax)) / 2;
        return (1 + Math.Cos(Math.PI * LastEpoch / tMax)) / (1 + Math.Cos(Math.PI * (LastEpoch - 1) / tMax)) * (lr - etaMin) + etaMin;
    }

    protected override bool HasClosedForm => true;
    protected override double ClosedFormLr(int i) => etaMin + (BaseLrs[i] - etaMin) * (1 + Math.Cos(Math.PI * LastEpoch / tMax)) / 2;

    protected override void SaveSettings(Dictionary<string, double[]> s) { s["T_max"] = [tMax]; s["eta_min"] = [etaMin]; }
    protected override void LoadSettings(Dictionary<string, double[]> s) { tMax = (int)s["T_max"][0]; etaMin = s["eta_min"][0]; }
}
