using System.Text;
using Ember.NN;
using Ember.Onnx.Ops;
using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// An imported ONNX graph as a trainable module (made by <see cref="OnnxModel.ToModule"/>). Floating-point
/// initializers are parameters, registered under their names with every character other than a letter,
/// digit or underscore turned into '_' ("fc1.weight" → "fc1_weight"); the running mean and variance of
/// BatchNormalization nodes are buffers; integer initializers (shapes, indices) stay constants. Forward
/// runs the graph's nodes on the same operator implementations as <see cref="OnnxModel.Run(IReadOnlyDictionary{string, Tensor})"/>,
/// recording autograd unless the caller is under no-grad.
/// </summary>
/// <remarks>
/// The graph is an inference graph: batch norm uses its stored statistics and dropout keeps every
/// element, in training mode as well. Gradients flow through the operators Ember computes with its own
/// tensor ops; those evaluated element by element on copies (integer arithmetic, Erf, and a few more)
/// and the bodies of If and Loop pass none.
/// </remarks>
public sealed class OnnxModule : Module<Tensor, Tensor>
{
    readonly OnnxPlan plan;
    readonly int nodeCount;
    readonly string[] outputNames;
    readonly OnnxTensorInfo[] inputs;
    /// <summary>Initializer name → the parameter, buffer or constant that stands for it.</summary>
    readonly Dictionary<string, Tensor> values = new(StringComparer.Ordinal);
    readonly Dictionary<string, string> registeredNames = new(StringComparer.Ordinal);
    readonly Func<IReadOnlyDictionary<string, Tensor>, string?> checkInputs;

    internal OnnxModule(OnnxModel model)
    {
        var graph = model.Graph;
        inputs = [.. model.Inputs];
        outputNames = [.. model.OutputNames];
        var statistics = BatchNormStatistics(graph);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, t) in model.Initializers)
        {
            // A copy, so the module and the model live independently.
            var copy = t.Clone();
            if (!t.DType.IsFloatingPoint()) { values[name] = copy; continue; }
            string key = Unique(Sanitize(name), taken);
            registeredNames[name] = key;
            values[name] = statistics.Contains(name) ? Buffer(key, copy) : Param(key, copy);
        }
        plan = OnnxPlan.Build(graph, model.Opset, model.BaseDir, model.InputNames, values.Keys, outputNames);
        nodeCount = graph.Node.Count;
        // The check reads only the declared inputs, which are copied; the model itself is not kept.
        var declared = model.Inputs.ToArray();
        checkInputs = given => CheckInputs(declared, given, values);
    }

    /// <summary>The graph's input names, in order.</summary>
    public IReadOnlyList<string> InputNames => inputs.Select(i => i.Name).ToArray();
    /// <summary>The graph's output names, in order; <see cref="Forward(Tensor)"/> returns the first.</summary>
    public IReadOnlyList<string> OutputNames => outputNames;

    /// <summary>The name each floating-point initializer is registered under (ONNX name → module name).</summary>
    public IReadOnlyDictionary<string, string> RegisteredNames => registeredNames;

    /// <summary>Runs a single-input graph and returns its first output.</summary>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (inputs.Length != 1)
            throw new ArgumentException($"OnnxModule: Forward(Tensor) needs a graph with one input, but this one has {inputs.Length}: {string.Join(", ", inputs.Select(i => i.ToString()))}; call Forward with a dictionary.");
        var outputs = Forward(new Dictionary<string, Tensor>(StringComparer.Ordinal) { [inputs[0].Name] = input });
        var first = outputs[outputNames[0]];
        foreach (var (k, v) in outputs) if (k != outputNames[0]) v.Dispose();
        return first;
    }

    /// <summary>Runs the graph on named inputs and returns every output by name (the caller owns them).</summary>
    public Dictionary<string, Tensor> Forward(IReadOnlyDictionary<string, Tensor> given)
    {
        ArgumentNullException.ThrowIfNull(given);
        if (checkInputs(given) is { } problem) throw new ArgumentException(problem, nameof(given));
        return plan.Execute(given, values, recordGrad: true);
    }

    public override string ExtraRepr() => $"inputs=[{string.Join(", ", inputs.Select(i => i.ToString()))}], nodes={nodeCount}";

    static string? CheckInputs(OnnxTensorInfo[] declared, IReadOnlyDictionary<string, Tensor> given, Dictionary<string, Tensor> values)
    {
        foreach (var name in given.Keys)
            if (!declared.Any(d => d.Name == name) && !values.ContainsKey(name))
                return $"OnnxModule: the graph has no input '{name}'; its inputs are {Describe(declared)}.";
        foreach (var info in declared)
        {
            if (!given.TryGetValue(info.Name, out var t) || t is null)
                return $"OnnxModule: the input '{info.Name}' is missing; the graph needs {Describe(declared)}.";
            if (info.DType is DType d && t.DType != d)
                return $"OnnxModule: the input '{info.Name}' should be {info.ElementType} ({d}), but a {t.DType} tensor of shape {Shapes.Format(t.Shape)} was given.";
            if (info.Shape is { } s)
            {
                var actual = t.Shape;
                bool ok = actual.Length == s.Count;
                for (int i = 0; ok && i < s.Count; i++) ok = s[i] is not int want || want == actual[i];
                if (!ok) return $"OnnxModule: the input '{info.Name}' should have shape {info}, but a tensor of shape {Shapes.Format(actual)} was given.";
            }
        }
        return null;
    }

    static string Describe(OnnxTensorInfo[] infos) => infos.Length == 0 ? "none" : string.Join(", ", infos.Select(i => i.ToString()));

    /// <summary>Initializers read only as the mean or variance of a BatchNormalization: state, not weights.</summary>
    static HashSet<string> BatchNormStatistics(GraphProto graph)
    {
        var stats = new HashSet<string>(StringComparer.Ordinal);
        var other = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Node)
            for (int i = 0; i < n.Input.Count; i++)
                (n.OpType == "BatchNormalization" && OnnxOpRegistry.IsDefaultDomain(n.Domain) && i is 3 or 4 ? stats : other).Add(n.Input[i]);
        stats.ExceptWith(other);
        return stats;
    }

    static string Sanitize(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name) sb.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        return sb.Length == 0 ? "_" : sb.ToString();
    }

    static string Unique(string name, HashSet<string> taken)
    {
        string candidate = name;
        for (int k = 2; !taken.Add(candidate); k++) candidate = $"{name}_{k}";
        return candidate;
    }
}
