using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>
/// One training iteration of <see cref="GptModel"/> at batch 16, sequence 64: zero-grad, forward,
/// cross-entropy over all 1024 positions, backward, AdamW (lr 3e-4, weight decay 0.01) step. Both sides
/// start from the same weights; max err compares their first losses.
/// </summary>
public sealed class GptTrain : Workload
{
    const int BatchSize = 16, Seq = GptModel.Context;

    static readonly TrainingOptimizer AdamW = new(3e-4, WeightDecay: 0.01);

    public override string Name => "gpt_train";

    public override IEnumerable<BenchCase> Cases()
    {
        var batch = new Lazy<TokenBatch>(() => TokenBatch.Seeded(BatchSize, Seq, GptModel.Vocab, 61));
        yield return new BenchCase($"b{BatchSize}t{Seq}", $"GPT 2x256 h4, [{BatchSize}x{Seq}]", null,
            () => new EmberTraining(GptModel.Ember, batch.Value, AdamW),
            Sides.TorchPeer(() => new TorchTraining(GptModel.Torch, batch.Value, AdamW)));
    }
}
