using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// A training batch that both frameworks can load: the same inputs and Int64 targets, as a fresh tensor
/// each call (the caller owns and disposes it).
/// </summary>
public interface ITrainingData
{
    Tensor EmberInputs();
    Tensor EmberTargets();
    torch.Tensor TorchInputs();
    torch.Tensor TorchTargets();
}
