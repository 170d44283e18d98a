using Ember.Data;

namespace Ember.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// The mean loss and each metric over <paramref name="loader"/>, in evaluation mode and without
    /// gradients (Keras' evaluate): {"loss": …, "accuracy": …}. The model's mode is restored afterwards.
    /// </summary>
    public Dictionary<string, double> Evaluate(IEnumerable<Batch> loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        bool wasTraining = Model.Training;
        var loss = new Mean("loss");
        foreach (var m in Metrics) m.Reset();
        Model.Eval();
        try
        {
            using (Autograd.NoGrad())
                foreach (var batch in loader)
                    using (batch)
                    {
                        using var output = Model.Forward(batch.Input);
                        using var l = Loss(output, batch.Target);
                        CheckLoss(l, output, batch.Target);
                        loss.Update(ScalarOf(l), batch.Size);
                        foreach (var m in Metrics) m.Update(output, batch.Target);
                    }
        }
        finally { Model.Train(wasTraining); }
        var result = new Dictionary<string, double> { ["loss"] = loss.Compute() };
        foreach (var m in Metrics)
        {
            result[m.Name] = m.Compute();
            m.Reset();
        }
        return result;
    }

    /// <summary>The model's outputs for every batch of <paramref name="loader"/>, concatenated along the first dimension (targets are ignored).</summary>
    public Tensor Predict(IEnumerable<Batch> loader)
    {
        ArgumentNullException.ThrowIfNull(loader);
        var outputs = new List<Tensor>();
        try
        {
            RunEval(() =>
            {
                foreach (var batch in loader)
                    using (batch) outputs.Add(Model.Forward(batch.Input));
            });
            if (outputs.Count == 0) throw new ArgumentException("Trainer.Predict: the loader gave no batches.", nameof(loader));
            return outputs.Count == 1 ? outputs[0].Clone() : Tensor.Cat([.. outputs]);
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    /// <summary>The model's outputs for <paramref name="input"/>, fed in slices of <paramref name="batchSize"/> along the first dimension (0: all at once).</summary>
    public Tensor Predict(Tensor input, int batchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (batchSize < 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, $"Trainer.Predict: batchSize must not be negative, got {batchSize}.");
        int n = input.Rank == 0 ? 0 : input.Shape[0];
        if (batchSize == 0 || batchSize >= n)
        {
            Tensor? y = null;
            RunEval(() => y = Model.Forward(input));
            return y!;
        }
        var outputs = new List<Tensor>();
        try
        {
            RunEval(() =>
            {
                for (int start = 0; start < n; start += batchSize)
                {
                    using var slice = input.Narrow(0, start, Math.Min(batchSize, n - start));
                    outputs.Add(Model.Forward(slice));
                }
            });
            return Tensor.Cat([.. outputs]);
        }
        finally
        {
            foreach (var o in outputs) o.Dispose();
        }
    }

    void RunEval(Action body)
    {
        bool wasTraining = Model.Training;
        Model.Eval();
        try
        {
            using (Autograd.NoGrad()) body();
        }
        finally { Model.Train(wasTraining); }
    }
}
