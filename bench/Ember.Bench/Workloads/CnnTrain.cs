using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>
/// One training iteration of <see cref="CnnModel"/> on a batch of 64 28x28 images: zero-grad, forward,
/// cross-entropy, backward, Adam step. Both sides start from the same weights; max err compares their first losses.
/// </summary>
public sealed class CnnTrain : Workload
{
    const int BatchSize = 64;

    public override string Name => "cnn_train";

    public override IEnumerable<BenchCase> Cases()
    {
        var batch = new Lazy<Batch>(() => Batch.Seeded(CnnModel.InputShape(BatchSize), CnnModel.Classes, 31));
        yield return new BenchCase($"batch{BatchSize}", $"CNN, [{BatchSize}x1x28x28]", null,
            () => new EmberTraining(CnnModel.Ember, batch.Value),
            Sides.TorchPeer(() => new TorchTraining(CnnModel.Torch, batch.Value)));
    }
}
