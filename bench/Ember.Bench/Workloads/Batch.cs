using Ember.Bench.Harness;
using Ember.Bench.Peers;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>One seeded training batch (standard-normal inputs, uniform class labels) shared by both sides.</summary>
public sealed record Batch(float[] Inputs, int[] Shape, long[] Labels) : ITrainingData
{
    public static Batch Seeded(int[] shape, int classes, ulong seed)
    {
        int count = shape.Aggregate(1, (a, d) => a * d);
        return new(SeededData.Normal(count, seed), shape, SeededData.Labels(shape[0], classes, seed + 1));
    }

    public string Describe() => "[" + string.Join("x", Shape) + "]";

    public Tensor EmberInputs() => Tensor.FromArray(Inputs, Shape);
    public Tensor EmberTargets() => Tensor.FromArray(Labels, Labels.Length);
    public torch.Tensor TorchInputs() => TorchSharpPeer.FromArray(Inputs, Shape);
    public torch.Tensor TorchTargets() => torch.tensor(Labels, torch.int64);
}
