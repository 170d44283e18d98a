namespace Ember.Bench.Harness;

/// <summary>An <see cref="ISide"/> built from a step, a result reader and the resources it owns.</summary>
public sealed class Side(Action step, Func<float[]> result, params IDisposable[] owned) : ISide
{
    public void Step() => step();

    public float[] Result() => result();

    public void Dispose()
    {
        foreach (var d in owned) d.Dispose();
    }
}
