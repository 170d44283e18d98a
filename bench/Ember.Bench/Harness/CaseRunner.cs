namespace Ember.Bench.Harness;

/// <summary>
/// Runs one case at one thread count: warms both sides up, checks they compute the same thing, then
/// alternates blocks of samples between them (E P P E E P ...) so drifting machine noise hits both.
/// </summary>
public sealed class CaseRunner(BenchOptions options)
{
    public CaseResult Run(string workload, BenchCase c, int threads)
    {
        string? emberNote = null, peerNote = null;
        var ember = Start("ember", c.Ember, ref emberNote);
        Timed? peer = null;
        if (c.Peer.Create is { } create) peer = Start(c.Peer.PeerName, create, ref peerNote);
        else peerNote = c.Peer.Unavailable ?? "not available";
        try
        {
            double? maxErr = ember is not null && peer is not null
                ? Compare(ember, peer)
                : null;
            // A side that failed or produced a wrongly shaped output is not timed.
            var timed = new[] { ember, peer }.OfType<Timed>().Where(t => t.Failed is null).ToArray();
            Interleave(timed);
            emberNote = ember?.Failed ?? emberNote;
            peerNote = peer?.Failed ?? peerNote;
            return new CaseResult(workload, c.Name, c.Shape, threads, c.Work,
                Summarise(ember), emberNote, c.Peer.PeerName, Summarise(peer), peerNote, maxErr, c.Epoch);
        }
        finally
        {
            ember?.Side.Dispose();
            peer?.Side.Dispose();
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }

    /// <summary>A side with its sampler; Failed holds the reason if it threw while being timed.</summary>
    sealed class Timed(ISide side, string label)
    {
        public ISide Side { get; } = side;
        public Sampler Sampler { get; } = new(side, label);
        public string? Failed { get; set; }
    }

    Timed? Start(string label, Func<ISide> create, ref string? note)
    {
        ISide? side = null;
        try
        {
            side = create();
            Thread.Sleep(options.SettleMs);
            var t = new Timed(side, label);
            t.Sampler.WarmUpAndCalibrate(options.Warmup, options.WarmupJitQuietMs, options.WarmupMaxMs, options.SampleMs);
            return t;
        }
        catch (Exception e)
        {
            side?.Dispose();
            note = $"{label} failed: {Describe(e)}";
            return null;
        }
    }

    /// <summary>Largest absolute difference, relative to the largest peer magnitude.</summary>
    static double? Compare(Timed ember, Timed peer)
    {
        if (Output(ember) is not { } e || Output(peer) is not { } p) return null;
        if (e.Length != p.Length)
        {
            ember.Failed = $"ember output has {e.Length} values, {peer.Sampler.Label} {p.Length}";
            return null;
        }
        double diff = 0, scale = 0;
        for (int i = 0; i < e.Length; i++)
        {
            double d = Math.Abs((double)e[i] - p[i]);
            if (double.IsNaN(d)) return double.NaN;
            diff = Math.Max(diff, d);
            scale = Math.Max(scale, Math.Abs(p[i]));
        }
        return diff / Math.Max(scale, 1e-30);
    }

    static float[]? Output(Timed t)
    {
        try { return t.Side.Result(); }
        catch (Exception e) { t.Failed = $"{t.Sampler.Label} failed: {Describe(e)}"; return null; }
    }

    void Interleave(Timed[] sides)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var order = sides.ToList();
        Timed? last = null;
        bool Pending(Timed s) => s.Failed is null && s.Sampler.Samples.Count < options.Iters;
        while (order.Any(Pending))
        {
            foreach (var s in order.Where(Pending))
            {
                if (s != last) Thread.Sleep(options.SettleMs);
                last = s;
                int block = (int)Math.Clamp(options.BlockMs / Math.Max(s.Sampler.SampleMsEstimate, 1e-6), 1, options.Block);
                int n = Math.Min(block, options.Iters - s.Sampler.Samples.Count);
                try { s.Sampler.Take(n); }
                catch (Exception e) { s.Failed = $"{s.Sampler.Label} failed: {Describe(e)}"; }
            }
            order.Reverse();
        }
    }

    static Summary? Summarise(Timed? t) =>
        t is { Failed: null } && t.Sampler.Samples.Count > 0
            ? Summary.Of(t.Sampler.Samples, t.Sampler.StepsPerSample)
            : null;

    static string Describe(Exception e) => $"{e.GetType().Name}: {e.Message.Split('\n')[0]}";
}
