namespace Ember;

/// <summary>Whether ops record the graph on this thread (thread-local, like PyTorch).</summary>
internal static class GradMode
{
    [ThreadStatic] static int disabledDepth;

    public static bool Enabled => disabledDepth == 0;

    public static IDisposable Disable() => new Scope(+1);

    sealed class Scope : IDisposable
    {
        readonly int delta;
        bool done;
        public Scope(int delta) { this.delta = delta; disabledDepth += delta; }
        public void Dispose() { if (!done) { done = true; disabledDepth -= delta; } }
    }

    /// <summary>True when an op on these inputs must record a node.</summary>
    public static bool ShouldRecord(Tensor a) => disabledDepth == 0 && a.RequiresGrad;
    public static bool ShouldRecord(Tensor a, Tensor b) => disabledDepth == 0 && (a.RequiresGrad || b.RequiresGrad);
    public static bool ShouldRecord(ReadOnlySpan<Tensor> inputs)
    {
        if (disabledDepth != 0) return false;
        foreach (var t in inputs) if (t.RequiresGrad) return true;
        return false;
    }

    /// <summary>Connects <paramref name="node"/> to the inputs and makes it <paramref name="output"/>'s grad_fn.</summary>
    public static Tensor Record(Tensor output, Node node, params ReadOnlySpan<Tensor> inputs)
    {
        var next = new Edge[inputs.Length];
        var shapes = new int[inputs.Length][];
        var dtypes = new DType[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            var t = inputs[i];
            shapes[i] = t.shape;
            dtypes[i] = t.DType;
            if (!t.RequiresGrad) continue;
            next[i] = t.GradFn is { } fn ? new Edge(fn, null) : new Edge(null, t);
        }
        node.Next = next;
        node.InputShapes = shapes;
        node.InputDTypes = dtypes;
        output.SetGradFn(node);
        return output;
    }
}
