namespace Ember.Optim;

/// <summary>Scheduler state as numbers by name, and its checkpoint form: a Float64 vector tensor per name.</summary>
internal static class SchedulerState
{
    public static Dictionary<string, Tensor> ToTensors(Dictionary<string, double[]> s)
        => s.ToDictionary(kv => kv.Key, kv => Tensor.FromArray(kv.Value.ToArray(), kv.Value.Length));

    public static Dictionary<string, double[]> FromTensors(IReadOnlyDictionary<string, Tensor> state, IEnumerable<string> expected, string owner)
    {
        ArgumentNullException.ThrowIfNull(state);
        var keys = expected.ToHashSet();
        var missing = keys.Where(k => !state.ContainsKey(k)).ToArray();
        if (missing.Length > 0)
            throw new ArgumentException($"{owner}.LoadStateDict: the state lacks {string.Join(", ", missing.Select(k => $"'{k}'"))}; is it from another kind of schedule?");
        var extra = state.Keys.Where(k => !keys.Contains(k)).ToArray();
        if (extra.Length > 0)
            throw new ArgumentException($"{owner}.LoadStateDict: unexpected {string.Join(", ", extra.Select(k => $"'{k}'"))}; is it from another kind of schedule?");
        var result = new Dictionary<string, double[]>();
        foreach (var (k, t) in state)
        {
            if (!t.DType.IsFloatingPoint() && t.DType is not (DType.Int64 or DType.Int32))
                throw new ArgumentException($"{owner}.LoadStateDict: '{k}' is {t.DType}; expected numbers.");
            using var d = t.To(DType.Float64);
            result[k] = d.ToArray<double>();
        }
        return result;
    }
}
