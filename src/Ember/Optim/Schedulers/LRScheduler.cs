namespace Ember.Optim;

/// <summary>
/// A learning-rate schedule over an optimizer's parameter groups, as PyTorch's _LRScheduler: the
/// constructor records each group's "initial_lr" (the base rates) and takes the first step (epoch 0);
/// each <see cref="Step()"/> then advances <see cref="LastEpoch"/> and writes the new rates into the groups.
/// Call it after <c>optimizer.Step()</c>.
/// </summary>
public abstract class LRScheduler
{
    double[] lastLr = [], baseLrs;

    /// <param name="optimizer">The optimizer whose groups' rates this schedule sets.</param>
    /// <param name="lastEpoch">-1 to start afresh; otherwise the epoch to resume after (every group must then have "initial_lr").</param>
    protected LRScheduler(Optimizer optimizer, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        var groups = optimizer.ParamGroups;
        if (lastEpoch < -1) throw new ArgumentOutOfRangeException(nameof(lastEpoch), lastEpoch, $"{Name}: lastEpoch must be -1 (a fresh start) or a finished epoch, got {lastEpoch}.");
        for (int i = 0; i < groups.Count; i++)
        {
            if (lastEpoch == -1) groups[i].SetDefault("initial_lr", groups[i].LearningRate);
            else if (!groups[i].Has("initial_lr"))
                throw new ArgumentException($"{Name}: parameter group {i} has no 'initial_lr', which resuming at lastEpoch {lastEpoch} needs; load the optimizer's state first.");
        }
        baseLrs = groups.Select(g => g["initial_lr"]).ToArray();
        LastEpoch = lastEpoch;
    }

    protected string Name => GetType().Name;

    public Optimizer Optimizer { get; }

    /// <summary>The index of the last epoch (or batch) stepped; 0 after construction.</summary>
    public int LastEpoch { get; protected internal set; }

    /// <summary>Each group's "initial_lr".</summary>
    public IReadOnlyList<double> BaseLrs => baseLrs;

    /// <summary>How many times the schedule has stepped, the constructor's step included.</summary>
    public int StepCount { get; protected set; }

    /// <summary>The rates the last step set, one per group.</summary>
    public IReadOnlyList<double> GetLastLr() => lastLr.ToArray();

    /// <summary>Takes the first step; subclasses call it at the end of their constructors, once their settings are in place.</summary>
    protected internal void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>The next epoch's rates.</summary>
    public virtual void Step()
    {
        StepCount++;
        LastEpoch++;
        Apply(closedForm: false);
    }

    /// <summary>Jumps to <paramref name="epoch"/> (PyTorch's deprecated step(epoch)): the closed-form rate where the schedule has one.</summary>
    public virtual void Step(int epoch)
    {
        StepCount++;
        LastEpoch = epoch;
        Apply(closedForm: HasClosedForm);
    }

    void Apply(bool closedForm)
    {
        var groups = Optimizer.ParamGroups;
        var values = new double[groups.Count];
        for (int i = 0; i < values.Length; i++) values[i] = closedForm ? ClosedFormLr(i) : GetLr(i, groups[i]);
        SetLrs(values);
    }

    /// <summary>Writes one rate per group and remembers them for <see cref="GetLastLr"/>.</summary>
    protected void SetLrs(double[] values)
    {
        var groups = Optimizer.ParamGroups;
        for (int i = 0; i < values.Length; i++) groups[i].LearningRate = values[i];
        lastLr = values;
    }

    /// <summary>Group <paramref name="i"/>'s rate for <see cref="LastEpoch"/>, usually from its current rate (PyTorch's recursive get_lr).</summary>
    protected abstract double GetLr(int i, ParamGroup group);

    protected virtual bool HasClosedForm => false;

    /// <summary>Group <paramref name="i"/>'s rate for <see cref="LastEpoch"/> from its base rate alone.</summary>
    protected virtual double ClosedFormLr(int i) => throw new NotSupportedException($"{Name} has no closed form.");

    /// <summary>
    /// The schedule's state (its settings too, as PyTorch's state_dict holds them), each entry a Float64
    /// vector (one element for a number), ready for a checkpoint next to the optimizer's.
    /// </summary>
    public Dictionary<string, Tensor> StateDict() => SchedulerState.ToTensors(Save());

    /// <summary>Restores a <see cref="StateDict"/> of a schedule of the same kind; it does not change the optimizer's rates.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state) => Load(SchedulerState.FromTensors(state, Save().Keys, Name));

    internal virtual Dictionary<string, double[]> Save()
    {
        var s = new Dictionary<string, double[]>
        {
            ["last_epoch"] = [LastEpoch], ["_step_count"] = [StepCount], ["base_lrs"] = baseLrs.ToArray(), ["_last_lr"] = lastLr.ToArray(),
        };
        SaveSettings(s);
        return s;
    }

    internal virtual void Load(Dictionary<string, double[]> s)
    {
        LastEpoch = (int)s["last_epoch"][0];
        StepCount = (int)s["_step_count"][0];
        if (s["base_lrs"].Length != baseLrs.Length)
            throw new ArgumentException($"{Name}.LoadStateDict: the state has {s["base_lrs"].Length} base rate(s), but the optimizer has {baseLrs.Length} parameter group(s).");
        baseLrs = s["base_lrs"].ToArray();
        lastLr = s["_last_lr"].ToArray();
        LoadSettings(s);
    }

    /// <summary>Adds the subclass's settings and counters to a state dictionary.</summary>
    protected virtual void SaveSettings(Dictionary<string, double[]> s) { }

    /// <summary>Reads back what <see cref="SaveSettings"/> wrote.</summary>
    protected virtual void LoadSettings(Dictionary<string, double[]> s) { }
}
