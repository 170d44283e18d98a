namespace Ember;

/// <summary>Where a gradient goes next: another node, or a leaf tensor that accumulates it.</summary>
internal readonly record struct Edge(Node? Function, Tensor? Leaf)
{
    public bool IsEmpty => Function is null && Leaf is null;
}

/// <summary>
/// One recorded op in the autograd graph: it receives the gradient of its (single) output and
/// returns one gradient per input. Gradients may have the broadcast shape; the engine sums them
/// down to each input's shape. Ops that produce several tensors (Split, TopK) record one node per output.
/// </summary>
public abstract class Node
{
    internal Edge[] Next = [];
    internal int[][] InputShapes = [];
    internal DType[] InputDTypes = [];
    bool released;

    /// <summary>The op's name, as used in error messages ("MulBackward").</summary>
    public virtual string Name => GetType().Name;

    /// <summary>Gradients of the inputs given the gradient of the output; null where an input needs none.</summary>
    protected internal abstract Tensor?[] Backward(Tensor gradOutput);

    /// <summary>
    /// For ops whose input gradient is zero outside one region of the input (slicing views): adds
    /// <paramref name="gradOutput"/> into that region of <paramref name="inputGrad"/>, a gradient only the
    /// engine holds, in place. False when the op has no such form.
    /// </summary>
    internal virtual bool AccumulateInto(Tensor inputGrad, Tensor gradOutput) => false;

    /// <summary>Drops the tensors saved for backward, returning their memory.</summary>
    protected virtual void ReleaseSaved() { }

    internal bool NeedsInputGrad(int i) => i < Next.Length && !Next[i].IsEmpty;

    internal void Release()
    {
        if (released) return;
        released = true;
        ReleaseSaved();
    }

    internal void EnsureNotReleased()
    {
        if (released)
            throw new InvalidOperationException(
                $"{Name}: trying to backward through the graph a second time, but its saved tensors were already freed. " +
                "Pass retainGraph: true to the first Backward call if you need to run backward twice.");
    }
}

/// <summary>
/// A tensor saved for backward. It holds its own reference to the storage (so the caller may dispose
/// its tensor) and the storage version at save time (so an in-place change afterwards is caught).
/// </summary>
internal sealed class Saved
{
    readonly Tensor alias;
    readonly int version;
    readonly string op;

    public Saved(Tensor t, string op)
    {
        alias = t.Alias();
        version = t.Version;
        this.op = op;
    }

    public Tensor Value
    {
        get
        {
            if (alias.IsDisposed)
                throw new InvalidOperationException($"{op}: the tensors saved for backward were already freed; use retainGraph: true to backward twice.");
            if (alias.Version != version)
                throw new InvalidOperationException(
                    $"{op}: a tensor of shape {Shapes.Format(alias.shape)} saved for backward was modified in place after it was saved " +
                    $"(version {alias.Version}, expected {version}); use an out-of-place op or clone the tensor before changing it.");
            return alias;
        }
    }

    public void Release() => alias.Dispose();
}
