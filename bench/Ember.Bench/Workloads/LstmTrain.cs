using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>
/// One training iteration of <see cref="LstmModel"/> at batch 32, sequence 32: zero-grad, forward,
/// cross-entropy over all 1024 positions, backward, Adam (lr 1e-3) step. Both sides start from the same
/// weights; max err compares their first losses.
/// </summary>
public sealed class LstmTrain : Workload
{
    const int BatchSize = 32, Seq = 32;

    public override string Name => "lstm_train";

    public override IEnumerable<BenchCase> Cases()
    {
        var batch = new Lazy<TokenBatch>(() => TokenBatch.Seeded(BatchSize, Seq, LstmModel.Vocab, 51));
        yield return new BenchCase($"b{BatchSize}t{Seq}", $"LSTM 128→256, [{BatchSize}x{Seq}]", null,
            () => new EmberTraining(LstmModel.Ember, batch.Value),
            Sides.TorchPeer(() => new TorchTraining(LstmModel.Torch, batch.Value)));
    }
}
