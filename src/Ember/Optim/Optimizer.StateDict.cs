using System.Globalization;

namespace Ember.Optim;

public abstract partial class Optimizer
{
    /// <summary>
    /// The optimizer's state as tensors with PyTorch-like keys, ready for a checkpoint
    /// (Safetensors.Save takes it as is): "state.{i}.step" (Int64, 0-d), "state.{i}.{buffer}" (copies,
    /// e.g. "state.0.exp_avg"), "param_groups.{g}.params" (Int64 parameter numbers) and
    /// "param_groups.{g}.{hyper-parameter}" (Float64, 0-d, e.g. "param_groups.0.lr").
    /// Parameters are numbered across groups in order; those never updated have no state entries.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var dict = new Dictionary<string, Tensor>();
        for (int i = 0; i < states.Count; i++)
        {
            if (states[i] is not { } s) continue;
            dict[$"state.{i}.step"] = Tensor.Scalar(s.Step);
            for (int slot = 0; slot < StateNames.Length; slot++)
                if (s.Buffers[slot] is { } b) dict[$"state.{i}.{StateNames[slot]}"] = b.Clone();
        }
        int first = 0;
        for (int g = 0; g < groups.Count; g++)
        {
            int n = groups[g].Params.Count;
            dict[$"param_groups.{g}.params"] = Tensor.FromArray(Enumerable.Range(first, n).Select(k => (long)k).ToArray(), n);
            foreach (var (key, value) in groups[g].Options) dict[$"param_groups.{g}.{key}"] = Tensor.Scalar(value);
            first += n;
        }
        return dict;
    }

    /// <summary>
    /// Restores a <see cref="StateDict"/> into this optimizer, which must have the same groups with the
    /// same numbers and shapes of parameters: state buffers are copied, step counts and the groups'
    /// hyper-parameters replaced; parameters with no saved state start afresh. Nothing changes when the
    /// dictionary does not fit.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var hyper = new List<(int Group, string Key, double Value)>();
        var steps = new Dictionary<int, long>();
        var buffers = new List<(int Param, int Slot, Tensor Value)>();
        var groupSeen = new bool[groups.Count];
        foreach (var (key, value) in state)
        {
            var parts = key.Split('.', 3);
            if (parts.Length != 3 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int k))
                throw new ArgumentException($"{Name}.LoadStateDict: unexpected key '{key}'; keys are 'state.<param>.<name>' and 'param_groups.<group>.<name>'.");
            if (parts[0] == "param_groups")
            {
                if (k >= groups.Count)
                    throw new ArgumentException($"{Name}.LoadStateDict: the state has parameter group {k} ('{key}'), but this optimizer has {groups.Count} group(s).");
                if (parts[2] == "params")
                {
                    groupSeen[k] = true;
                    if (value.NumElements != groups[k].Params.Count)
                        throw new ArgumentException($"{Name}.LoadStateDict: parameter group {k} of the state has {value.NumElements} parameter(s), but this optimizer's has {groups[k].Params.Count}.");
                }
                else hyper.Add((k, parts[2], ScalarOf(key, value)));
            }
            else if (parts[0] == "state")
            {
                if (k >= parameters.Count)
                    throw new ArgumentException($"{Name}.LoadStateDict: the state has parameter {k} ('{key}'), but this optimizer has {parameters.Count} parameter(s).");
                if (parts[2] == "step") { steps[k] = (long)ScalarOf(key, value); continue; }
                int slot = Array.IndexOf(StateNames, parts[2]);
                if (slot < 0)
                    throw new ArgumentException($"{Name}.LoadStateDict: unknown state '{parts[2]}' in '{key}'; {Name} keeps step, {string.Join(", ", StateNames)}.");
                if (!value.Shape.SequenceEqual(parameters[k].Shape))
                    throw new ArgumentException($"{Name}.LoadStateDict: '{key}' has shape [{string.Join(", ", value.Shape)}], but parameter {k} has shape [{string.Join(", ", parameters[k].Shape)}].");
                if (!value.DType.IsFloatingPoint())
                    throw new ArgumentException($"{Name}.LoadStateDict: '{key}' is {value.DType}; state buffers are floating point.");
                buffers.Add((k, slot, value));
            }
            else throw new ArgumentException($"{Name}.LoadStateDict: unexpected key '{key}'; keys are 'state.<param>.<name>' and 'param_groups.<group>.<name>'.");
        }
        int missing = Array.IndexOf(groupSeen, false);
        if (missing >= 0)
            throw new ArgumentException($"{Name}.LoadStateDict: the state has no 'param_groups.{missing}.params'; it must describe all {groups.Count} group(s) of this optimizer.");
        foreach (var (param, _, _) in buffers)
            if (!steps.ContainsKey(param))
                throw new ArgumentException($"{Name}.LoadStateDict: parameter {param} has state buffers but no 'state.{param}.step'.");

        for (int g = 0; g < groups.Count; g++)
        {
            var merged = new Dictionary<string, double>(groups[g].Options);
            foreach (var (hg, key, value) in hyper) if (hg == g) merged[key] = value;
            Validate(merged, $" in parameter group {g} of the loaded state");
        }
        foreach (var (g, key, value) in hyper) groups[g][key] = value;
        for (int i = 0; i < states.Count; i++)
        {
            DisposeState(states[i]);
            states[i] = steps.TryGetValue(i, out long step) ? new ParamState(parameters[i], StateNames.Length) { Step = step } : null;
        }
        foreach (var (param, slot, value) in buffers) states[param]!.Set(slot, value);
    }

    static void DisposeState(ParamState? s)
    {
        if (s is null) return;
        foreach (var b in s.Buffers) b?.Dispose();
    }

    double ScalarOf(string key, Tensor t)
    {
        if (t.NumElements != 1)
            throw new ArgumentException($"{Name}.LoadStateDict: '{key}' should hold one number, but has shape [{string.Join(", ", t.Shape)}].");
        using var d = t.To(DType.Float64);
        return d.Item<double>();
    }
}
