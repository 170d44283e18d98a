namespace Ember.Optim;

/// <summary>Multiplies each group's rate by <c>gamma</c> every <c>stepSize</c> epochs, as torch.optim.lr_scheduler.StepLR.</summary>
public sealed class StepLR : LRScheduler
{
    int stepSize;
    double gamma;

    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (stepSize <= 0) throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"StepLR: stepSize must be positive, got {stepSize}.");
        this.stepSize = stepSize;
        this.gamma = gamma;
        InitialStep();
    }

    protected override double GetLr(int i, ParamGroup group)
        => LastEpoch == 0 || LastEpoch % stepSize != 0 ? group.LearningRate : group.LearningRate * gamma;

    protected override bool HasClosedForm => true;
    protected override double ClosedFormLr(int i) => BaseLrs[i] * Math.Pow(gamma, Math.Floor((double)LastEpoch / stepSize));

    protected override void SaveSettings(Dictionary<string, double[]> s) { s["step_size"] = [stepSize]; s["gamma"] = [gamma]; }
    protected override void LoadSettings(Dictionary<string, double[]> s) { stepSize = (int)s["step_size"][0]; gamma = s["gamma"][0]; }
}
