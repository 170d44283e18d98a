using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>Every workload the harness knows, in the order "all" runs them; a new workload is one line here.</summary>
public static class WorkloadRegistry
{
    public static readonly Workload[] All =
    [
        new ElementwiseAdd(),
        new ElementwiseGelu(),
        new ReduceSum(),
        new Softmax(),
        new Gemm(),
        new MlpTrain(),
        new CnnTrain(),
        new FashionCnnTrain(),
        new CnnInfer(),
        new LstmTrain(),
        new GptTrain(),
        new Sdpa(),
    ];

    /// <summary>Resolves names (or "all"); returns null and names the first unknown one otherwise.</summary>
    public static Workload[]? Resolve(IReadOnlyList<string> names, out string? unknown)
    {
        unknown = null;
        if (names.Any(n => n == "all")) return All;
        var picked = new List<Workload>();
        foreach (var name in names)
        {
            var w = All.FirstOrDefault(w => w.Name == name);
            if (w is null) { unknown = name; return null; }
            picked.Add(w);
        }
        return [.. picked];
    }
}
