using System.Globalization;

namespace Ember.Bench.Harness;

/// <summary>Hand-rolled parsing of "--name value" pairs; the option set is small and flat.</summary>
public static class ArgParser
{
    public const string Usage = """
        usage: Ember.Bench [--workload <name[,name..]|all>] [--threads <n[,n..]>] [--iters N] [--warmup N]
                           [--case <name[,name..]>] [--sample-ms MS] [--block N] [--block-ms MS] [--settle-ms MS]
                           [--json FILE] [--list]
          --workload   workloads to run (default all); see --list
          --threads    intra-op threads for both frameworks, e.g. 1 or 1,2 (default 1)
          --iters      timed samples per side (default 50)
          --warmup     warm-up steps per side (default 10; warm-up also lasts until JIT is quiet)
          --case       only these cases, e.g. 1e5 or 128x784x512
          --sample-ms  target length of one sample; short steps are batched to fill it (default 2)
          --block      samples per side before switching to the other side (default 5)
          --block-ms   fewer samples per block when a block would last longer than this (default 50)
          --settle-ms  idle pause before switching sides, so the other side's spinning workers sleep (default 10)
          --json       also append the JSON lines to FILE
          --list       list workloads and their cases, then exit
               Ember.Bench --peak-memory <workload> --side <ember|torchsharp> [--case NAME] [--iters N] [--threads N]
          runs one case (default the first) on one side for N steps (default 50) and reports peak RSS (VmHWM)
               Ember.Bench --steady-memory [steps] [threads]
          trains an MLP 784-512-256-10 (Adam, batch 128) and reports RSS and GCs over the steps (default 3000)
        """;

    /// <summary>Parses args; returns null and writes an error to <paramref name="error"/> if they are invalid.</summary>
    public static BenchOptions? Parse(string[] args, out string? error)
    {
        var o = new BenchOptions();
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--list") { o = o with { List = true }; continue; }
            if (name is "--help" or "-h") { error = ""; return null; }
            if (i + 1 >= args.Length) { error = $"missing value after {name}"; return null; }
            string value = args[++i];
            try
            {
                o = name switch
                {
                    "--workload" => o with { Workloads = List(value) },
                    "--case" => o with { Cases = List(value) },
                    "--threads" => o with { Threads = List(value).Select(v => Positive(v, name)).ToArray() },
                    "--iters" => o with { Iters = Positive(value, name) },
                    "--warmup" => o with { Warmup = NonNegative(value, name) },
                    "--sample-ms" => o with { SampleMs = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--block" => o with { Block = Positive(value, name) },
                    "--block-ms" => o with { BlockMs = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--settle-ms" => o with { SettleMs = NonNegative(value, name) },
                    "--json" => o with { JsonPath = value },
                    "--peak-memory" => o with { PeakMemory = value },
                    "--side" => o with { Side = value is "ember" or "torchsharp" ? value : throw new FormatException($"--side expects ember or torchsharp, got '{value}'") },
                    _ => throw new FormatException($"unknown option {name}"),
                };
            }
            catch (FormatException e) { error = e.Message; return null; }
        }
        return o;
    }

    static string[] List(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    static int Positive(string value, string name)
    {
        int n = NonNegative(value, name);
        return n > 0 ? n : throw new FormatException($"{name} must be at least 1");
    }

    static int NonNegative(string value, string name) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n : throw new FormatException($"{name} expects a whole number, got '{value}'");
}
