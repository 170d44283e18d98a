namespace Ember.Training;

/// <summary>
/// A running score over batches (Keras' and torchmetrics' Metric): <see cref="Update"/> with each batch's
/// output and target, <see cref="Compute"/> the value so far, <see cref="Reset"/> between epochs. Metrics read
/// the tensors they are given and keep only counts, so they work the same from a hand-written loop.
/// </summary>
public abstract class Metric
{
    /// <summary>The key the value has in logs, History and metrics.csv ("accuracy", "f1").</summary>
    public abstract string Name { get; }

    /// <summary>Adds one batch: <paramref name="output"/> as the model gave it, <paramref name="target"/> as the loader did.</summary>
    public abstract void Update(Tensor output, Tensor target);

    /// <summary>The value over every batch since the last <see cref="Reset"/> (NaN before the first).</summary>
    public abstract double Compute();

    /// <summary>Forgets every batch.</summary>
    public abstract void Reset();

    public override string ToString() => $"{Name}: {Compute():G6}";
}
