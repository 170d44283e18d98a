namespace Ember.Optim;

/// <summary>Multiplies each group's rate by <c>gamma</c> every epoch, as torch.optim.lr_scheduler.ExponentialLR.</summary>
public sealed class ExponentialLR : LRScheduler
{
    double gamma;

    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        this.gamma = gamma;
        InitialStep();
    }

    protected override double GetLr(int i, ParamGroup group) => LastEpoch == 0 ? group.LearningRate : group.LearningRate * gamma;

    protected override bool HasClosedForm => true;
    protected override double ClosedFormLr(int i) => BaseLrs[i] * Math.Pow(gamma, LastEpoch);

    protected override void SaveSettings(Dictionary<string, double[]> s) => s["gamma"] = [gamma];
    protected override void LoadSettings(Dictionary<string, double[]> s) => gamma = s["gamma"][0];
}
