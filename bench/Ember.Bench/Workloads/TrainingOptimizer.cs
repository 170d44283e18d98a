using Ember.NN;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// The optimizer of a training case, built the same way on both sides: Adam, or AdamW (decoupled
/// weight decay) when a weight decay is given.
/// </summary>
public sealed record TrainingOptimizer(double Lr, double? WeightDecay = null)
{
    public static readonly TrainingOptimizer Adam1e3 = new(1e-3);

    public Optim.Optimizer Ember(IEnumerable<Parameter> parameters) => WeightDecay is { } wd
        ? new Optim.AdamW(parameters, lr: Lr, weightDecay: wd)
        : new Optim.Adam(parameters, lr: Lr);

    public torch.optim.Optimizer Torch(IEnumerable<TorchSharp.Modules.Parameter> parameters) => WeightDecay is { } wd
        ? torch.optim.AdamW(parameters, lr: Lr, weight_decay: wd)
        : torch.optim.Adam(parameters, lr: Lr);
}
