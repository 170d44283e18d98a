using System.Diagnostics;
using Ember.NN;
using Ember.Optim;
using F = Ember.NN.Functional;

namespace Ember.Bench;

/// <summary>
/// `--steady-memory [steps]`: trains an MLP 784-512-256-10 with Adam at batch 128 and reports the
/// process's resident memory and garbage collections along the way. After warm-up, RSS must stay
/// within 5% and gen-2 collections must stay rare.
/// </summary>
public static class SteadyMemory
{
    // JIT tiering and the first young collections settle within a few hundred steps.
    const int WarmupSteps = 500;

    public static int Run(int steps, int threads)
    {
        Threading.SetNumThreads(threads);
        var gen = new Generator(0);
        var model = new Sequential(new Linear(784, 512, generator: gen), new ReLU(), new Linear(512, 256, generator: gen), new ReLU(), new Linear(256, 10, generator: gen));
        var opt = new Adam(model.Parameters(), 1e-3);
        // A few distinct batches, as a loader would hand out.
        var batches = Enumerable.Range(0, 8).Select(_ => (X: Tensor.Randn([128, 784], gen), Y: Tensor.RandInt(0, 10, [128], gen))).ToArray();

        Console.WriteLine($"steady memory: MLP 784-512-256-10, Adam, batch 128, {steps} steps, {threads} thread(s)");
        Console.WriteLine($"{"step",6} {"RSS MiB",9} {"tensor MiB",11} {"gen0",6} {"gen1",6} {"gen2",6} {"GC pause ms",12} {"ms/step",8}");
        long rssAtWarmup = 0, maxAfterWarmup = 0;
        int gen2AtWarmup = 0;
        var clock = Stopwatch.StartNew();
        int lastStep = 0;
        for (int step = 1; step <= steps; step++)
        {
            var (x, y) = batches[step % batches.Length];
            opt.ZeroGrad();
            using (var logits = model.Forward(x))
            using (var loss = F.CrossEntropy(logits, y))
            {
                loss.Backward();
                opt.Step();
            }
            long rss = Rss();
            if (step > WarmupSteps) maxAfterWarmup = Math.Max(maxAfterWarmup, rss);
            if (step == WarmupSteps) { rssAtWarmup = rss; gen2AtWarmup = GC.CollectionCount(2); }
            if (step == 1 || step % 250 == 0 || step == WarmupSteps)
            {
                double msPerStep = clock.Elapsed.TotalMilliseconds / (step - lastStep);
                clock.Restart();
                lastStep = step;
                Console.WriteLine($"{step,6} {rss / 1048576.0,9:F1} {(MemoryPool.LiveBytes + MemoryPool.PooledBytes) / 1048576.0,11:F1} {GC.CollectionCount(0),6} {GC.CollectionCount(1),6} {GC.CollectionCount(2),6} {GC.GetTotalPauseDuration().TotalMilliseconds,12:F1} {msPerStep,8:F2}");
            }
        }
        double growth = rssAtWarmup == 0 ? 0 : (maxAfterWarmup - rssAtWarmup) * 100.0 / rssAtWarmup;
        int gen2 = GC.CollectionCount(2) - gen2AtWarmup;
        bool ok = growth <= 5 && gen2 <= steps / 500;
        Console.WriteLine($"RSS after warm-up (step {WarmupSteps}): {rssAtWarmup / 1048576.0:F1} MiB; highest later: {maxAfterWarmup / 1048576.0:F1} MiB ({growth:+0.0;-0.0}%); gen-2 collections after warm-up: {gen2} — {(ok ? "steady" : "NOT steady")}");
        Console.WriteLine($"{{\"workload\":\"steady_memory\",\"case\":\"mlp_batch128\",\"threads\":{threads},\"steps\":{steps},\"rss_warmup_mib\":{rssAtWarmup / 1048576.0:F1},\"rss_max_after_mib\":{maxAfterWarmup / 1048576.0:F1},\"growth_pct\":{growth:F2},\"gen2_after_warmup\":{gen2}}}");
        return ok ? 0 : 1;
    }

    /// <summary>Resident set size from /proc (Linux), else the runtime's working set.</summary>
    static long Rss()
    {
        const string Status = "/proc/self/status";
        if (File.Exists(Status))
            foreach (var line in File.ReadLines(Status))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }
}
