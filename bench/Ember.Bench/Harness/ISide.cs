namespace Ember.Bench.Harness;

/// <summary>
/// One framework's half of a benchmark case: it owns its inputs, runs one step per call and frees
/// whatever that step created, so memory stays flat however many steps run.
/// </summary>
public interface ISide : IDisposable
{
    /// <summary>Runs the timed operation once and releases its result.</summary>
    void Step();

    /// <summary>Runs the operation once more and returns its output as floats, to check both sides agree.</summary>
    float[] Result();
}
