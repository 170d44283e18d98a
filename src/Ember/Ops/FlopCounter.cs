namespace Ember;

/// <summary>
/// Counts the multiply-adds of the products (Linear, MatMul, convolutions) run on this thread while it
/// is open: <c>using var flops = FlopCounter.Start(); model.Forward(x); flops.Flops</c>. Elementwise
/// work, normalisation and pooling are not counted: they are a small fraction of any model with
/// products, and counting them would slow every op. Counters nest; each open one sees everything.
/// </summary>
public sealed class FlopCounter : IDisposable
{
    [ThreadStatic] static FlopCounter? current;
    readonly FlopCounter? outer;
    bool closed;

    FlopCounter(FlopCounter? outer) => this.outer = outer;

    /// <summary>Opens a counter on this thread.</summary>
    public static FlopCounter Start() => current = new FlopCounter(current);

    /// <summary>Multiply-adds counted so far.</summary>
    public long MultiplyAdds { get; private set; }

    /// <summary>Floating-point operations counted so far: two per multiply-add.</summary>
    public long Flops => 2 * MultiplyAdds;

    internal static void Add(long multiplyAdds)
    {
        for (var c = current; c is not null; c = c.outer) c.MultiplyAdds += multiplyAdds;
    }

    /// <summary>Stops counting (counters must be closed in the reverse order they were opened).</summary>
    public void Dispose()
    {
        if (closed) return;
        if (!ReferenceEquals(current, this))
            throw new InvalidOperationException("FlopCounter: counters must be disposed in the reverse order they were started.");
        closed = true;
        current = outer;
    }
}
