using Ember.Bench.Harness;
using Ember.NN;
using Ember.Optim;

namespace Ember.Bench.Workloads;

/// <summary>
/// Ember's side of a training case: a step is zero-grad, forward, cross-entropy, backward and an
/// optimizer step (Adam unless the case names another). Its result is the losses of the first few steps
/// of a freshly built copy, since the timed model has moved on during warm-up.
/// </summary>
public sealed class EmberTraining : ISide
{
    /// <summary>Losses compared between the frameworks: the first checks the forward pass, later ones backward and Adam.</summary>
    public const int ComparedSteps = 3;

    readonly Func<Module<Tensor, Tensor>> createModel;
    readonly ITrainingData batch;
    readonly TrainingOptimizer optimizerSpec;
    readonly Module<Tensor, Tensor> model;
    readonly Optimizer optimizer;
    readonly Tensor inputs, labels;

    public EmberTraining(Func<Module<Tensor, Tensor>> createModel, ITrainingData batch, TrainingOptimizer? optimizer = null)
    {
        this.createModel = createModel;
        this.batch = batch;
        optimizerSpec = optimizer ?? TrainingOptimizer.Adam1e3;
        model = createModel();
        model.Train();
        this.optimizer = optimizerSpec.Ember(model.Parameters());
        inputs = batch.EmberInputs();
        labels = batch.EmberTargets();
    }

    public void Step() => TrainStep();

    public float[] Result()
    {
        using var fresh = new EmberTraining(createModel, batch, optimizerSpec);
        return [.. Enumerable.Range(0, ComparedSteps).Select(_ => fresh.TrainStep())];
    }

    float TrainStep()
    {
        optimizer.ZeroGrad();
        using var logits = model.Forward(inputs);
        using var loss = Functional.CrossEntropy(logits, labels);
        loss.Backward();
        optimizer.Step();
        return loss.Item<float>();
    }

    public void Dispose()
    {
        model.ZeroGrad();
        foreach (var p in model.Parameters()) p.Dispose();
        inputs.Dispose();
        labels.Dispose();
    }
}
