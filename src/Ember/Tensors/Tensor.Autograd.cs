namespace Ember;

public partial class Tensor
{
    bool requiresGrad;
    internal Tensor? grad;

    /// <summary>The node that made this tensor; null for leaves and for tensors made without grad.</summary>
    public Node? GradFn { get; private set; }

    /// <summary>A leaf is a tensor no recorded op made: user-created tensors and parameters.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>The gradient accumulated by Backward (leaves only, like PyTorch).</summary>
    public Tensor? Grad
    {
        get => grad;
        set
        {
            if (value is not null && !Shapes.SameShape(value.shape, shape))
                throw new ArgumentException($"Grad: a gradient of shape {Shapes.Format(value.shape)} does not fit a tensor of shape {Shapes.Format(shape)}.");
            grad = value;
        }
    }

    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (!value && GradFn is not null)
                throw new InvalidOperationException("RequiresGrad: only leaf tensors can stop requiring grad; use Detach() for a non-leaf.");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"RequiresGrad: only floating-point tensors can require gradients, and this one is {DType}.");
            requiresGrad = value;
        }
    }

    internal void SetGradFn(Node node)
    {
        GradFn = node;
        requiresGrad = true;
    }

    /// <summary>Computes the gradient of this tensor with respect to the graph's leaves.</summary>
    /// <param name="gradient">d(something)/d(this); may be omitted only for a one-element tensor.</param>
    /// <param name="retainGraph">Keep saved tensors so backward can run through the graph again.</param>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
        => Engine.Backward(this, gradient, retainGraph);

    /// <summary>A tensor sharing this one's data but cut off from the graph.</summary>
    public Tensor Detach() => Alias();

    /// <summary>A new tensor object over the same storage and layout, without autograd history.</summary>
    internal Tensor Alias() => new(Live("Detach").storage, DType, shape, strides, offset);

    /// <summary>Drops the gradient (PyTorch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        grad?.Dispose();
        grad = null;
    }
}
