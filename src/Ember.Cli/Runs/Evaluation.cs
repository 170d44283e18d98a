using Ember.Data;
using Ember.NN;
using Ember.Training;
using F = Ember.NN.Functional;

namespace Ember.Cli.Runs;

/// <summary>What a model scores on a labelled set: mean loss, accuracy, the confusion matrix and per-class scores.</summary>
internal sealed record EvaluationResult(int Samples, double Loss, double Accuracy, long[,] Confusion,
    double[] Precision, double[] Recall, double[] F1, long[] Predicted, long[] Targets)
{
    /// <summary>Runs <paramref name="model"/> over <paramref name="loader"/> in evaluation mode, without gradients.</summary>
    public static EvaluationResult Of(Module<Tensor, Tensor> model, IEnumerable<Batch> loader, int numClasses)
    {
        var precision = new Precision(numClasses);
        var recall = new Recall(numClasses);
        var f1 = new F1Score(numClasses);
        var accuracy = new Accuracy();
        var predicted = new List<long>();
        var targets = new List<long>();
        double lossSum = 0;
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var _ = Autograd.NoGrad();
            foreach (var batch in loader)
                using (batch)
                {
                    using var logits = model.Forward(batch.Input);
                    using var loss = F.CrossEntropy(logits, batch.Target);
                    lossSum += loss.Item<float>() * (double)batch.Size;
                    foreach (var m in new Metric[] { precision, recall, f1, accuracy }) m.Update(logits, batch.Target);
                    using var argmax = logits.ArgMax(1);
                    predicted.AddRange(argmax.ToArray<long>());
                    targets.AddRange(batch.Target.ToArray<long>());
                }
        }
        finally { model.Train(wasTraining); }
        if (targets.Count == 0) throw new InvalidOperationException("evaluation: the data set is empty.");
        return new EvaluationResult(targets.Count, lossSum / targets.Count, accuracy.Compute(), precision.Matrix.Compute(),
            precision.PerClass(), recall.PerClass(), f1.PerClass(), [.. predicted], [.. targets]);
    }
}
