namespace Ember.Data;

/// <summary>
/// A batch of inputs and targets, first dimension the batch: <c>foreach (var (x, y) in loader)</c>.
/// The consumer owns it; <c>using var batch = …</c> or dispose both tensors when done.
/// </summary>
public sealed record Batch(Tensor Input, Tensor Target) : IDisposable
{
    /// <summary>The number of samples in the batch.</summary>
    public int Size => Input.Size(0);

    public void Dispose()
    {
        Input.Dispose();
        Target.Dispose();
    }
}
