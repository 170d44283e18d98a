using Ember.Bench.Harness;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// One seeded batch for a sequence model: token ids [batch, seq] and one target token per position,
/// flattened to [batch·seq] to match logits reshaped to [batch·seq, vocab]. Both uniform over the vocabulary.
/// </summary>
public sealed record TokenBatch(long[] Tokens, int Batch, int Seq, long[] Targets) : ITrainingData
{
    public static TokenBatch Seeded(int batch, int seq, int vocab, ulong seed) =>
        new(SeededData.Labels(batch * seq, vocab, seed), batch, seq, SeededData.Labels(batch * seq, vocab, seed + 1));

    public Tensor EmberInputs() => Tensor.FromArray(Tokens, Batch, Seq);
    public Tensor EmberTargets() => Tensor.FromArray(Targets, Targets.Length);
    public torch.Tensor TorchInputs() => torch.tensor(Tokens, [Batch, Seq], torch.int64);
    public torch.Tensor TorchTargets() => torch.tensor(Targets, torch.int64);
}
