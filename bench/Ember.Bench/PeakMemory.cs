using System.Globalization;
using Ember.Bench.Harness;
using Ember.Bench.Peers;
using Ember.Bench.Workloads;

namespace Ember.Bench;

/// <summary>
/// `--peak-memory &lt;workload&gt; --side ember|torchsharp`: runs one case on one side only, for --iters steps,
/// and reports the process's peak resident memory (VmHWM). A process's high-water mark cannot be reset,
/// so each side needs its own process; run it twice and compare.
/// </summary>
public static class PeakMemory
{
    public static int Run(BenchOptions options)
    {
        if (options.Side is not { } sideName) { Console.Error.WriteLine("error: --peak-memory needs --side ember|torchsharp"); return 2; }
        var workload = WorkloadRegistry.All.FirstOrDefault(w => w.Name == options.PeakMemory);
        if (workload is null) { Console.Error.WriteLine($"error: unknown workload '{options.PeakMemory}'"); return 2; }
        var c = workload.Cases().FirstOrDefault(c => options.Cases.Count == 0 || options.Cases.Contains(c.Name));
        if (c is null) { Console.Error.WriteLine($"error: {workload.Name} has no case {string.Join(",", options.Cases)}"); return 2; }

        int threads = options.Threads[0];
        Threading.SetNumThreads(threads);
        // Sets libtorch's threads and so loads it in both processes: the baselines then hold the same libraries.
        TorchSharpPeer.SetThreads(threads);
        if (sideName == TorchSharpPeer.Name && c.Peer.Create is null)
        {
            Console.Error.WriteLine($"error: {c.Peer.Unavailable}");
            return 1;
        }

        long baseline = ProcStatus("VmRSS");
        using (var side = sideName == "ember" ? c.Ember() : c.Peer.Create!())
            for (int i = 0; i < options.Iters; i++) side.Step();
        long peak = ProcStatus("VmHWM");

        double Mib(long kib) => kib / 1024.0;
        Console.WriteLine($"{workload.Name} {c.Name} on {sideName}, {options.Iters} steps, {threads} thread(s): peak RSS {Mib(peak):F1} MiB, RSS before building the case {Mib(baseline):F1} MiB, growth {Mib(peak - baseline):F1} MiB");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"workload\":\"{workload.Name}\",\"case\":\"{c.Name}\",\"side\":\"{sideName}\",\"threads\":{threads},\"steps\":{options.Iters},\"peak_rss_mib\":{Mib(peak):F1},\"baseline_rss_mib\":{Mib(baseline):F1},\"growth_mib\":{Mib(peak - baseline):F1}}}"));
        return 0;
    }

    /// <summary>A "Name:   123 kB" field of /proc/self/status, in KiB (Linux only).</summary>
    static long ProcStatus(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        throw new PlatformNotSupportedException($"/proc/self/status has no {field}");
    }
}
