namespace Ember.Optim;

/// <summary>
/// Multiplies each group's rate by <c>gamma</c> at each milestone epoch (by gamma^k for a milestone listed
/// k times), as torch.optim.lr_scheduler.MultiStepLR.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    int[] milestones;
    double gamma;

    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        this.milestones = milestones.Order().ToArray();
        this.gamma = gamma;
        InitialStep();
    }

    protected override double GetLr(int i, ParamGroup group)
    {
        int count = 0;
        foreach (var m in milestones) if (m == LastEpoch) count++;
        return count == 0 ? group.LearningRate : group.LearningRate * Math.Pow(gamma, count);
    }

    protected override bool HasClosedForm => true;
    protected override double ClosedFormLr(int i) => BaseLrs[i] * Math.Pow(gamma, milestones.Count(m => m <= LastEpoch));

    protected override void SaveSettings(Dictionary<string, double[]> s) { s["milestones"] = milestones.Select(m => (double)m).ToArray(); s["gamma"] = [gamma]; }
    protected override void LoadSettings(Dictionary<string, double[]> s) { milestones = s["milestones"].Select(m => (int)m).ToArray(); gamma = s["gamma"][0]; }
}
