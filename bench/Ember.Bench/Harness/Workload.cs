namespace Ember.Bench.Harness;

/// <summary>A named family of benchmark cases; each new workload is one subclass listed in <see cref="Workloads.WorkloadRegistry"/>.</summary>
public abstract class Workload
{
    /// <summary>The name used on the command line and in the JSON lines, e.g. "elementwise_add".</summary>
    public abstract string Name { get; }

    /// <summary>The cases, smallest first.</summary>
    public abstract IEnumerable<BenchCase> Cases();
}
