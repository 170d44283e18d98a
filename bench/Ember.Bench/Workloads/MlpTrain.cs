using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>
/// One training iteration of the MLP 784-512-256-10 at batch 128: zero-grad, forward, cross-entropy,
/// backward, Adam step. Both sides start from the same weights; max err compares their first losses.
/// </summary>
public sealed class MlpTrain : Workload
{
    const int BatchSize = 128;

    public override string Name => "mlp_train";

    public override IEnumerable<BenchCase> Cases()
    {
        var batch = new Lazy<Batch>(() => Batch.Seeded([BatchSize, MlpModel.Inputs], MlpModel.Classes, 21));
        yield return new BenchCase($"batch{BatchSize}", $"784-512-256-10, b{BatchSize}", null,
            () => new EmberTraining(MlpModel.Ember, batch.Value),
            Sides.TorchPeer(() => new TorchTraining(MlpModel.Torch, batch.Value)));
    }
}
