namespace Ember.Optim;

/// <summary>
/// The 1cycle policy (Smith &amp; Topin), as torch.optim.lr_scheduler.OneCycleLR, stepped once per batch:
/// the rate rises from maxLr / divFactor to maxLr over the first pctStart of <c>totalSteps</c>, then anneals
/// to that start / finalDivFactor ("cos" or "linear"); with threePhase it first comes back down to the start
/// symmetrically. With cycleMomentum the momentum ("momentum", or Adam's "beta1") moves the opposite way
/// between maxMomentum and baseMomentum. Each group's rates are stored in it as "initial_lr", "max_lr", "min_lr".
/// </summary>
public sealed class OneCycleLR : LRScheduler
{
    readonly record struct Phase(double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum);

    readonly int totalSteps;
    readonly Phase[] phases;
    readonly bool linear, cycleMomentum, useBeta1;

    /// <param name="optimizer">The optimizer whose groups' rates (and momenta) this schedule sets.</param>
    /// <param name="maxLr">The peak rate of every group (<paramref name="maxLrs"/> gives one per group instead).</param>
    /// <param name="totalSteps">The number of steps in the cycle; or give <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">With <paramref name="stepsPerEpoch"/>, the cycle's length when totalSteps is not given.</param>
    /// <param name="stepsPerEpoch">Batches per epoch.</param>
    /// <param name="pctStart">The fraction of the cycle spent rising.</param>
    /// <param name="annealStrategy">"cos" or "linear".</param>
    /// <param name="cycleMomentum">Whether to cycle the momentum inversely to the rate.</param>
    /// <param name="baseMomentum">The momentum at the peak rate.</param>
    /// <param name="maxMomentum">The momentum at the start and end.</param>
    /// <param name="divFactor">initial_lr = max_lr / divFactor.</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / finalDivFactor.</param>
    /// <param name="threePhase">Rise, fall back to initial_lr symmetrically, then anneal to min_lr.</param>
    /// <param name="lastEpoch">-1 to start afresh; otherwise the last step taken.</param>
    /// <param name="maxLrs">Per-group peak rates, overriding <paramref name="maxLr"/>.</param>
    public OneCycleLR(Optimizer optimizer, double maxLr, int? totalSteps = null, int? epochs = null, int? stepsPerEpoch = null,
        double pctStart = 0.3, string annealStrategy = "cos", bool cycleMomentum = true, double baseMomentum = 0.85,
        double maxMomentum = 0.95, double divFactor = 25, double finalDivFactor = 1e4, bool threePhase = false, int lastEpoch = -1,
        IReadOnlyList<double>? maxLrs = null)
        : base(Prepare(optimizer, maxLr, maxLrs, divFactor, finalDivFactor, lastEpoch), lastEpoch)
    {
        if (totalSteps is { } t)
        {
            if (t <= 0) throw new ArgumentOutOfRangeException(nameof(totalSteps), t, $"OneCycleLR: totalSteps must be positive, got {t}.");
            this.totalSteps = t;
        }
        else if (epochs is { } e && stepsPerEpoch is { } s)
        {
            if (e <= 0) throw new ArgumentOutOfRangeException(nameof(epochs), e, $"OneCycleLR: epochs must be positive, got {e}.");
            if (s <= 0) throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), s, $"OneCycleLR: stepsPerEpoch must be positive, got {s}.");
            this.totalSteps = e * s;
        }
        else throw new ArgumentException("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch.");
        if (!(pctStart >= 0 && pctStart <= 1))
            throw new ArgumentOutOfRangeException(nameof(pctStart), pctStart, $"OneCycleLR: pctStart must lie in [0, 1], got {pctStart}.");
        linear = annealStrategy switch
        {
            "cos" => false,
            "linear" => true,
            _ => throw new ArgumentException($"OneCycleLR: annealStrategy must be \"cos\" or \"linear\", got \"{annealStrategy}\".", nameof(annealStrategy)),
        };
        phases = threePhase
            ? [new(pctStart * this.totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
               new(2 * pctStart * this.totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
               new(this.totalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
            : [new(pctStart * this.totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
               new(this.totalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")];

        this.cycleMomentum = cycleMomentum;
        if (cycleMomentum)
        {
            useBeta1 = optimizer.Defaults.ContainsKey("beta1");
            if (!useBeta1 && !optimizer.Defaults.ContainsKey("momentum"))
                throw new ArgumentException($"OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, and {optimizer.GetType().Name} has neither; pass cycleMomentum: false.");
            if (lastEpoch == -1)
                foreach (var g in optimizer.ParamGroups)
                {
                    g[useBeta1 ? "beta1" : "momentum"] = maxMomentum;
                    g["max_momentum"] = maxMomentum;
                    g["base_momentum"] = baseMomentum;
                }
        }
        InitialStep();
    }

    static Optimizer Prepare(Optimizer optimizer, double maxLr, IReadOnlyList<double>? maxLrs, double divFactor, double finalDivFactor, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var groups = optimizer.ParamGroups;
        if (maxLrs is not null && maxLrs.Count != groups.Count)
            throw new ArgumentException($"OneCycleLR: expected {groups.Count} values for maxLrs (one per parameter group), got {maxLrs.Count}.");
        if (lastEpoch == -1)
            for (int i = 0; i < groups.Count; i++)
            {
                double max = maxLrs?[i] ?? maxLr;
                groups[i]["initial_lr"] = max / divFactor;
                groups[i]["max_lr"] = max;
                groups[i]["min_lr"] = groups[i]["initial_lr"] / finalDivFactor;
            }
        return optimizer;
    }

    double Anneal(double start, double end, double pct)
        => linear ? (end - start) * pct + start : end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1);

    protected override double GetLr(int i, ParamGroup group)
    {
        int stepNum = LastEpoch;
        if (stepNum > totalSteps)
            throw new InvalidOperationException($"OneCycleLR: tried to step {stepNum + 1} times, but the cycle has {totalSteps} steps.");
        double startStep = 0;
        for (int k = 0; k < phases.Length; k++)
        {
            var phase = phases[k];
            if (stepNum <= phase.EndStep || k == phases.Length - 1)
            {
                double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                if (cycleMomentum) group[useBeta1 ? "beta1" : "momentum"] = Anneal(group[phase.StartMomentum], group[phase.EndMomentum], pct);
                return Anneal(group[phase.StartLr], group[phase.EndLr], pct);
            }
            startStep = phase.EndStep;
        }
        throw new InvalidOperationException("OneCycleLR: unreachable.");
    }

    protected override void SaveSettings(Dictionary<string, double[]> s) => s["total_steps"] = [totalSteps];
    protected override void LoadSettings(Dictionary<string, double[]> s)
    {
        // The phases were laid out for this cycle's length in the constructor.
        if ((int)s["total_steps"][0] != totalSteps)
            throw new ArgumentException($"OneCycleLR.LoadStateDict: the state is of a cycle of {s["total_steps"][0]} steps, but this one has {totalSteps}; make the schedule with the same settings.");
    }
}
