namespace Ember.Bench.Harness;

/// <summary>What one step does, so a time can be turned into a throughput.</summary>
public enum WorkUnit { Bytes, Flops }

/// <summary>The amount of work in one step: bytes moved (memory-bound ops) or floating-point operations.</summary>
public readonly record struct Work(double Amount, WorkUnit Unit)
{
    public static Work Bytes(double bytes) => new(bytes, WorkUnit.Bytes);

    public static Work Flops(double flops) => new(flops, WorkUnit.Flops);

    public string UnitName => Unit == WorkUnit.Bytes ? "GB/s" : "GFLOPS";

    /// <summary>GB/s or GFLOPS (10^9 per second) for a step that took <paramref name="ms"/> milliseconds.</summary>
    public double PerSecondG(double ms) => Amount / (ms * 1e-3) / 1e9;
}
