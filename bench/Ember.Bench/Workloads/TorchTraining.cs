using Ember.Bench.Harness;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// TorchSharp's side of a training case, step for step the same as <see cref="EmberTraining"/>: every
/// tensor a step creates is freed by a dispose scope; parameters, gradients and Adam state live on.
/// </summary>
public sealed class TorchTraining : ISide
{
    readonly Func<torch.nn.Module<torch.Tensor, torch.Tensor>> createModel;
    readonly ITrainingData batch;
    readonly TrainingOptimizer optimizerSpec;
    readonly torch.nn.Module<torch.Tensor, torch.Tensor> model;
    readonly torch.optim.Optimizer optimizer;
    readonly torch.Tensor inputs, labels;

    public TorchTraining(Func<torch.nn.Module<torch.Tensor, torch.Tensor>> createModel, ITrainingData batch, TrainingOptimizer? optimizer = null)
    {
        this.createModel = createModel;
        this.batch = batch;
        optimizerSpec = optimizer ?? TrainingOptimizer.Adam1e3;
        model = createModel();
        model.train();
        this.optimizer = optimizerSpec.Torch(model.parameters());
        inputs = batch.TorchInputs();
        labels = batch.TorchTargets();
    }

    public void Step() => TrainStep();

    public float[] Result()
    {
        using var fresh = new TorchTraining(createModel, batch, optimizerSpec);
        return [.. Enumerable.Range(0, EmberTraining.ComparedSteps).Select(_ => fresh.TrainStep())];
    }

    float TrainStep()
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var logits = model.forward(inputs);
        var loss = torch.nn.functional.cross_entropy(logits, labels);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    public void Dispose()
    {
        optimizer.Dispose();
        model.Dispose();
        inputs.Dispose();
        labels.Dispose();
    }
}
