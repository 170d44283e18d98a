namespace Ember.Bench.Harness;

/// <summary>Command-line settings for one run of the harness.</summary>
public sealed record BenchOptions
{
    /// <summary>Workload names to run; "all" expands to every registered workload.</summary>
    public IReadOnlyList<string> Workloads { get; init; } = ["all"];

    /// <summary>Case names to keep (empty: all cases).</summary>
    public IReadOnlyList<string> Cases { get; init; } = [];

    /// <summary>Intra-op thread counts to run each case at, in order.</summary>
    public IReadOnlyList<int> Threads { get; init; } = [1];

    /// <summary>Timed samples per side.</summary>
    public int Iters { get; init; } = 50;

    /// <summary>Warm-up steps per side before timing.</summary>
    public int Warmup { get; init; } = 10;

    /// <summary>Warm-up goes on until no method has been JIT-compiled for this long, so tiered JIT has
    /// promoted the hot paths (it waits for a 100 ms pause in new compilations before it starts).</summary>
    public double WarmupJitQuietMs { get; init; } = 250;

    /// <summary>Upper bound on one side's warm-up, for code that keeps compiling methods.</summary>
    public double WarmupMaxMs { get; init; } = 10_000;

    /// <summary>Target duration of one timed sample; short steps are repeated to fill it.</summary>
    public double SampleMs { get; init; } = 2;

    /// <summary>Samples per side taken in one go before switching to the other side.</summary>
    public int Block { get; init; } = 5;

    /// <summary>
    /// Longest time one block should take: steps longer than BlockMs / Block get fewer samples per
    /// block (at least one), so long steps still alternate often enough for the machine's load,
    /// which drifts over seconds, to hit both sides alike.
    /// </summary>
    public double BlockMs { get; init; } = 50;

    /// <summary>
    /// Idle pause before switching sides. Worker threads of both runtimes spin for a while after a
    /// parallel region (libgomp for milliseconds), and would otherwise steal a core from the other side.
    /// </summary>
    public int SettleMs { get; init; } = 10;

    /// <summary>When set, JSON lines are also appended to this file.</summary>
    public string? JsonPath { get; init; }

    /// <summary>When set, measure this workload's peak memory on one side instead of timing (see <see cref="Side"/>).</summary>
    public string? PeakMemory { get; init; }

    /// <summary>The side --peak-memory runs: "ember" or "torchsharp".</summary>
    public string? Side { get; init; }

    /// <summary>Only list workloads and cases.</summary>
    public bool List { get; init; }
}
