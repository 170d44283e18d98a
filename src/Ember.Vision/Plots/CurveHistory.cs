namespace Ember.Plots;

/// <summary>
/// Per-epoch values of named series, the input of <see cref="TrainingPlots.SaveCurves"/>: for example
/// "train loss" and "validation loss", or "train accuracy" and "validation accuracy". Series keep the order
/// in which they were first added.
/// </summary>
public sealed class CurveHistory
{
    readonly List<string> names = [];
    readonly Dictionary<string, List<(double Epoch, double Value)>> series = [];

    /// <summary>The series names, in the order they were first added.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>The points of one series, in the order they were added.</summary>
    public IReadOnlyList<(double Epoch, double Value)> this[string name]
        => series.TryGetValue(name, out var points) ? points
            : throw new KeyNotFoundException($"CurveHistory: no series named '{name}'; the series are {string.Join(", ", names.Select(n => $"'{n}'"))}.");

    /// <summary>Appends the value of <paramref name="name"/> at <paramref name="epoch"/>.</summary>
    public CurveHistory Add(string name, double epoch, double value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!series.TryGetValue(name, out var points))
        {
            series[name] = points = [];
            names.Add(name);
        }
        points.Add((epoch, value));
        return this;
    }

    /// <summary>Appends a whole series, one value per epoch starting at <paramref name="firstEpoch"/>.</summary>
    public CurveHistory Add(string name, IEnumerable<double> values, int firstEpoch = 1)
    {
        ArgumentNullException.ThrowIfNull(values);
        int epoch = firstEpoch;
        foreach (double v in values)
            Add(name, epoch++, v);
        return this;
    }
}
