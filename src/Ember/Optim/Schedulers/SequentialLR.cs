namespace Ember.Optim;

/// <summary>
/// Runs schedules one after another, switching at the milestone epochs (e.g. a LinearLR warm-up, then
/// CosineAnnealingLR), as torch.optim.lr_scheduler.SequentialLR: at each milestone the next schedule starts
/// from its epoch 0. All must drive the same optimizer; make them just before this one.
/// </summary>
public sealed class SequentialLR : LRScheduler
{
    readonly LRScheduler[] schedulers;
    int[] milestones;

    public SequentialLR(Optimizer optimizer, IReadOnlyList<LRScheduler> schedulers, IReadOnlyList<int> milestones, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(schedulers);
        ArgumentNullException.ThrowIfNull(milestones);
        if (schedulers.Count == 0) throw new ArgumentException("SequentialLR: give at least one schedule.", nameof(schedulers));
        for (int i = 0; i < schedulers.Count; i++)
            if (!ReferenceEquals(schedulers[i].Optimizer, optimizer))
                throw new ArgumentException($"SequentialLR: schedule {i} ({schedulers[i].GetType().Name}) drives another optimizer; all must drive the one given.", nameof(schedulers));
        if (milestones.Count != schedulers.Count - 1)
            throw new ArgumentException($"SequentialLR: {schedulers.Count} schedule(s) need {schedulers.Count - 1} milestone(s), got {milestones.Count}.", nameof(milestones));
        for (int i = 1; i < milestones.Count; i++)
            if (milestones[i] < milestones[i - 1])
                throw new ArgumentException($"SequentialLR: milestones must be in increasing order, got [{string.Join(", ", milestones)}].", nameof(milestones));
        this.schedulers = schedulers.ToArray();
        this.milestones = milestones.ToArray();
        LastEpoch = lastEpoch + 1;

        // Undo the first steps the schedules took when they were made, then start the first one again.
        foreach (var g in optimizer.ParamGroups) g.LearningRate = g["initial_lr"];
        foreach (var s in this.schedulers) s.LastEpoch -= 1;
        this.schedulers[0].InitialStep();
        SetLrs(this.schedulers[0].GetLastLr().ToArray());
    }

    public override void Step()
    {
        LastEpoch++;
        int idx = 0;
        while (idx < milestones.Length && milestones[idx] <= LastEpoch) idx++;
        var scheduler = schedulers[idx];
        if (idx > 0 && milestones[idx - 1] == LastEpoch) scheduler.Step(0);
        else scheduler.Step();
        SetLrs(scheduler.GetLastLr().ToArray());
    }

    public override void Step(int epoch) => throw new NotSupportedException("SequentialLR: step(epoch) is not supported; call Step().");

    protected override double GetLr(int i, ParamGroup group) => throw new NotSupportedException("SequentialLR: the rates come from the current schedule.");

    internal override Dictionary<string, double[]> Save()
    {
        var s = base.Save();
        s["_milestones"] = milestones.Select(m => (double)m).ToArray();
        for (int i = 0; i < schedulers.Length; i++)
            foreach (var (k, v) in schedulers[i].Save()) s[$"_schedulers.{i}.{k}"] = v;
        return s;
    }

    internal override void Load(Dictionary<string, double[]> s)
    {
        base.Load(s);
        milestones = s["_milestones"].Select(m => (int)m).ToArray();
        for (int i = 0; i < schedulers.Length; i++)
        {
            string prefix = $"_schedulers.{i}.";
            schedulers[i].Load(s.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value));
        }
    }
}
