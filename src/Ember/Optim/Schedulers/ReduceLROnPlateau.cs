namespace Ember.Optim;

/// <summary>
/// Cuts each group's rate by <c>factor</c> when a metric has stopped improving for more than
/// <c>patience</c> steps, as torch.optim.lr_scheduler.ReduceLROnPlateau. Mode "min" (a loss) or "max"
/// (an accuracy); an improvement must beat the best so far by <c>threshold</c>, relative ("rel") or
/// absolute ("abs"); after a cut, <c>cooldown</c> steps pass before bad steps count again; rates never go
/// below minLr (or the per-group <c>minLrs</c>), and cuts smaller than <c>eps</c> are skipped.
/// </summary>
public sealed class ReduceLROnPlateau
{
    readonly double[] minLrs;
    double factor, threshold, eps, best;
    int patience, cooldown, cooldownCounter, numBadEpochs;
    bool maxMode, absThreshold;
    double[] lastLr;

    public ReduceLROnPlateau(Optimizer optimizer, string mode = "min", double factor = 0.1, int patience = 10, double threshold = 1e-4,
        string thresholdMode = "rel", int cooldown = 0, double minLr = 0, double eps = 1e-8, IReadOnlyList<double>? minLrs = null)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        if (!(factor < 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, $"ReduceLROnPlateau: factor must be below 1, got {factor}.");
        if (patience < 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, $"ReduceLROnPlateau: patience must be non-negative, got {patience}.");
        if (cooldown < 0) throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, $"ReduceLROnPlateau: cooldown must be non-negative, got {cooldown}.");
        maxMode = mode switch
        {
            "min" => false, "max" => true,
            _ => throw new ArgumentException($"ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"{mode}\".", nameof(mode)),
        };
        absThreshold = thresholdMode switch
        {
            "rel" => false, "abs" => true,
            _ => throw new ArgumentException($"ReduceLROnPlateau: thresholdMode must be \"rel\" or \"abs\", got \"{thresholdMode}\".", nameof(thresholdMode)),
        };
        int n = optimizer.ParamGroups.Count;
        if (minLrs is not null && minLrs.Count != n)
            throw new ArgumentException($"ReduceLROnPlateau: expected {n} values for minLrs (one per parameter group), got {minLrs.Count}.", nameof(minLrs));
        this.minLrs = minLrs?.ToArray() ?? Enumerable.Repeat(minLr, n).ToArray();
        this.factor = factor; this.patience = patience; this.threshold = threshold; this.cooldown = cooldown; this.eps = eps;
        lastLr = optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
        Reset();
    }

    public Optimizer Optimizer { get; }

    /// <summary>How many metrics have been given.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The best metric so far (±infinity before the first).</summary>
    public double Best => best;

    /// <summary>Steps since the last improvement (bad steps during cooldown do not count).</summary>
    public int NumBadEpochs => numBadEpochs;

    public IReadOnlyList<double> GetLastLr() => lastLr.ToArray();

    void Reset()
    {
        best = maxMode ? double.NegativeInfinity : double.PositiveInfinity;
        cooldownCounter = 0;
        numBadEpochs = 0;
    }

    bool IsBetter(double a) => (maxMode, absThreshold) switch
    {
        (false, false) => a < best * (1 - threshold),
        (false, true) => a < best - threshold,
        (true, false) => a > best * (threshold + 1),
        (true, true) => a > best + threshold,
    };

    /// <summary>Takes the metric of the epoch just finished; cuts the rates when it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric))
        {
            best = metric;
            numBadEpochs = 0;
        }
        else numBadEpochs++;
        if (cooldownCounter > 0)
        {
            cooldownCounter--;
            numBadEpochs = 0; // bad epochs in cooldown are ignored
        }
        if (numBadEpochs > patience)
        {
            var groups = Optimizer.ParamGroups;
            for (int i = 0; i < groups.Count; i++)
            {
                double old = groups[i].LearningRate, cut = Math.Max(old * factor, minLrs[i]);
                if (old - cut > eps) groups[i].LearningRate = cut;
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        lastLr = Optimizer.ParamGroups.Select(g => g.LearningRate).ToArray();
    }

    /// <summary>The state (settings and counters), each entry a Float64 vector, for a checkpoint.</summary>
    public Dictionary<string, Tensor> StateDict() => SchedulerState.ToTensors(Save());

    /// <summary>Restores a <see cref="StateDict"/>.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        var s = SchedulerState.FromTensors(state, Save().Keys, nameof(ReduceLROnPlateau));
        if (s["min_lrs"].Length != minLrs.Length)
            throw new ArgumentException($"ReduceLROnPlateau.LoadStateDict: the state has {s["min_lrs"].Length} min_lrs, but the optimizer has {minLrs.Length} parameter group(s).");
        s["min_lrs"].CopyTo(minLrs, 0);
        factor = s["factor"][0]; patience = (int)s["patience"][0]; cooldown = (int)s["cooldown"][0];
        cooldownCounter = (int)s["cooldown_counter"][0]; threshold = s["threshold"][0]; eps = s["eps"][0];
        maxMode = s["mode"][0] != 0; absThreshold = s["threshold_mode"][0] != 0;
        best = s["best"][0]; numBadEpochs = (int)s["num_bad_epochs"][0]; LastEpoch = (int)s["last_epoch"][0];
        lastLr = s["_last_lr"].ToArray();
    }

    Dictionary<string, double[]> Save() => new()
    {
        ["factor"] = [factor], ["min_lrs"] = minLrs.ToArray(), ["patience"] = [patience], ["cooldown"] = [cooldown],
        ["cooldown_counter"] = [cooldownCounter], ["mode"] = [maxMode ? 1 : 0], ["threshold"] = [threshold],
        ["threshold_mode"] = [absThreshold ? 1 : 0], ["best"] = [best], ["num_bad_epochs"] = [numBadEpochs],
        ["eps"] = [eps], ["last_epoch"] = [LastEpoch], ["_last_lr"] = lastLr.ToArray(),
    };
}
