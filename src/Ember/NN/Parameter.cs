namespace Ember.NN;

/// <summary>A leaf tensor that requires grad and belongs to a module; optimizers update it in place.</summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps <paramref name="data"/>'s storage (no copy) as a trainable leaf.</summary>
    public Parameter(Tensor data, bool requiresGrad = true) : base(data)
    {
        if (requiresGrad) RequiresGrad = true;
    }
}
