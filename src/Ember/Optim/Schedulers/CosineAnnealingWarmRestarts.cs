namespace Ember.Optim;

/// <summary>
/// Cosine annealing from each group's base rate to <c>etaMin</c> that restarts every T_i epochs, with
/// T_0 = <c>t0</c> and T_{i+1} = T_i · <c>tMult</c> (SGDR, Loshchilov &amp; Hutter), as
/// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts. <see cref="Step(double)"/> takes fractional
/// epochs (e.g. epoch + batch / batches).
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    int t0, tMult, tI;
    double etaMin, tCur;

    public CosineAnnealingWarmRestarts(Optimizer optimizer, int t0, int tMult = 1, double etaMin = 0, int lastEpoch = -1) : base(optimizer, lastEpoch)
    {
        if (t0 <= 0) throw new ArgumentOutOfRangeException(nameof(t0), t0, $"CosineAnnealingWarmRestarts: t0 must be a positive number of epochs, got {t0}.");
        if (tMult < 1) throw new ArgumentOutOfRangeException(nameof(tMult), tMult, $"CosineAnnealingWarmRestarts: tMult must be at least 1, got {tMult}.");
        this.t0 = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        tI = t0;
        tCur = lastEpoch;
        InitialStep();
    }

    /// <summary>Epochs since the last restart (fractional after <see cref="Step(double)"/>).</summary>
    public double TCur => tCur;

    protected override double GetLr(int i, ParamGroup group) => etaMin + (BaseLrs[i] - etaMin) * (1 + Math.Cos(Math.PI * tCur / tI)) / 2;

    public override void Step()
    {
        if (LastEpoch < 0) { Step(0.0); return; }
        tCur += 1;
        if (tCur >= tI)
        {
            tCur -= tI;
            tI *= tMult;
        }
        Finish(LastEpoch + 1);
    }

    public override void Step(int epoch) => Step((double)epoch);

    /// <summary>Jumps to a (fractional) epoch.</summary>
    public void Step(double epoch)
    {
        if (!(epoch >= 0)) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"CosineAnnealingWarmRestarts: the epoch must be non-negative, got {epoch}.");
        if (epoch >= t0)
        {
            if (tMult == 1) tCur = epoch % t0;
            else
            {
                int n = (int)(Math.Log(epoch / t0 * (tMult - 1) + 1) / Math.Log(tMult));
                long pow = (long)Math.Pow(tMult, n);
                tCur = epoch - t0 * (pow - 1) / (double)(tMult - 1);
                tI = checked((int)(t0 * pow));
            }
        }
        else
        {
            tI = t0;
            tCur = epoch;
        }
        Finish(epoch);
    }

    void Finish(double epoch)
    {
        LastEpoch = (int)Math.Floor(epoch);
        var groups = Optimizer.ParamGroups;
        var values = new double[groups.Count];
        for (int i = 0; i < values.Length; i++) values[i] = GetLr(i, groups[i]);
        SetLrs(values);
    }

    protected override void SaveSettings(Dictionary<string, double[]> s)
    {
        s["T_0"] = [t0]; s["T_i"] = [tI]; s["T_mult"] = [tMult]; s["eta_min"] = [etaMin]; s["T_cur"] = [tCur];
    }

    protected override void LoadSettings(Dictionary<string, double[]> s)
    {
        t0 = (int)s["T_0"][0]; tI = (int)s["T_i"][0]; tMult = (int)s["T_mult"][0]; etaMin = s["eta_min"][0]; tCur = s["T_cur"][0];
    }
}
