namespace Ember.NN;

/// <summary>
/// What the dropout layers share: p (validated when built), the generator the masks are drawn from,
/// and PyTorch's printout. In evaluation mode they pass the input through unchanged.
/// </summary>
public abstract class DropoutLayer : Module<Tensor, Tensor>
{
    public double P { get; }
    readonly Generator? generator;

    private protected DropoutLayer(double p, Generator? generator)
    {
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"{GetType().Name}: the dropout probability p must lie in [0, 1], got {p}.");
        (P, this.generator) = (p, generator);
    }

    /// <summary>The generator the masks come from (the default stream when none was given).</summary>
    protected Generator? Generator => generator;

    public override string ExtraRepr() => $"p={PyFloat(P)}, inplace=False";
}

/// <summary>
/// Inverted dropout: in training each element is zeroed with probability p and the rest are scaled by
/// 1/(1-p); in evaluation the input passes through. Backward reuses the forward's mask.
/// </summary>
public sealed class Dropout(double p = 0.5, Generator? generator = null) : DropoutLayer(p, generator)
{
    public override Tensor Forward(Tensor input) => Functional.Dropout(input, P, Training, Generator);
}

/// <summary>Channel dropout for [N, C, L] or unbatched [C, L]: each channel is zeroed whole with probability p.</summary>
public sealed class Dropout1d(double p = 0.5, Generator? generator = null) : DropoutLayer(p, generator)
{
    public override Tensor Forward(Tensor input) => Functional.Dropout1d(input, P, Training, Generator);
}

/// <summary>
/// Channel dropout for [N, C, H, W]: each feature map is zeroed whole with probability p. A 3-d input is
/// read as [N, C, L] (one draw per (n, c)), as PyTorch does.
/// </summary>
public sealed class Dropout2d(double p = 0.5, Generator? generator = null) : DropoutLayer(p, generator)
{
    public override Tensor Forward(Tensor input) => Functional.Dropout2d(input, P, Training, Generator);
}
