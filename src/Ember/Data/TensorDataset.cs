namespace Ember.Data;

/// <summary>
/// Samples cut along the first dimension of an input tensor and a label tensor (torch's TensorDataset
/// for the common (x, y) pair). Each sample is a fresh copy the caller owns.
/// </summary>
public sealed class TensorDataset : Dataset<(Tensor Input, Tensor Label)>
{
    readonly Tensor inputs, labels;

    public TensorDataset(Tensor inputs, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        if (inputs.Rank == 0 || labels.Rank == 0 || inputs.Shape[0] != labels.Shape[0])
            throw new ArgumentException($"TensorDataset: inputs of shape {Shapes.Format(inputs.Shape)} and labels of shape {Shapes.Format(labels.Shape)} must have the same, non-empty first dimension.");
        this.inputs = inputs;
        this.labels = labels;
    }

    public override int Count => inputs.Shape[0];

    public override (Tensor Input, Tensor Label) Get(int index)
    {
        CheckIndex(index);
        using var x = inputs.Select(0, index);
        using var y = labels.Select(0, index);
        return (x.Clone(), y.Clone());
    }
}
