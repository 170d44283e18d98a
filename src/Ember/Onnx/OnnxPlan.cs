using Ember.Onnx.Ops;
using Ember.Onnx.Protos;

namespace Ember.Onnx;

/// <summary>
/// The immutable execution plan of a graph: imported kernels in topological order and, per step,
/// the intermediates whose last consumer it is. Per-run state lives only in <see cref="Execute"/>.
/// </summary>
internal sealed class OnnxPlan
{
    sealed record Step(OnnxNode Node, OnnxKernel Kernel, string[] Inputs, string[] Outputs, string[] FreeAfter);

    readonly Step[] steps;
    readonly string[] outputs;

    OnnxPlan(Step[] steps, string[] outputs) { this.steps = steps; this.outputs = outputs; }

    /// <summary>
    /// Plans a graph. <paramref name="outer"/> names the values of enclosing graphs a subgraph (a Loop
    /// or If body) may read; they are looked up among its inputs at run time. <paramref name="outerTypes"/>
    /// are their ONNX element types, where known.
    /// </summary>
    public static OnnxPlan Build(GraphProto graph, int opset, string? baseDir, IReadOnlyList<string> inputs,
        IEnumerable<string> initializers, IReadOnlyList<string> outputs, IReadOnlySet<string>? outer = null,
        IReadOnlyDictionary<string, int>? outerTypes = null)
    {
        var available = new HashSet<string>(inputs, StringComparer.Ordinal);
        available.UnionWith(initializers);
        if (outer is not null) available.UnionWith(outer);
        var implicitInputs = graph.Node.Select(n => ImplicitInputs(n).ToArray()).ToArray();
        var order = TopologicalOrder(graph, available, implicitInputs);
        var scope = new HashSet<string>(available, StringComparer.Ordinal);
        foreach (var n in graph.Node) foreach (var o in n.Output) if (o.Length > 0) scope.Add(o);

        var types = OnnxValueTypes.Declared(graph, outerTypes);
        var nodes = new List<(OnnxNode Node, OnnxKernel Kernel, string[] Inputs, NodeProto Proto)>();
        foreach (int i in order)
        {
            var proto = graph.Node[i];
            var inputTypes = proto.Input.Select(v => types.GetValueOrDefault(v)).ToArray();
            var outputTypes = OnnxValueTypes.Infer(proto, inputTypes, types);
            var node = new OnnxNode(proto, opset, i, baseDir, scope, implicitInputs[i])
            {
                InputElementTypes = inputTypes,
                OutputElementTypes = outputTypes,
                ScopeElementTypes = types,
            };
            nodes.Add((node, OnnxOpRegistry.Import(node, proto.Domain), [.. proto.Input, .. implicitInputs[i]], proto));
        }
        var produced = new HashSet<string>(available, StringComparer.Ordinal);
        foreach (var (_, _, _, p) in nodes) foreach (var o in p.Output) if (o.Length > 0) produced.Add(o);
        foreach (var o in outputs)
            if (!produced.Contains(o))
                throw new InvalidDataException($"ONNX: the graph output '{o}' is produced by no node, input or initializer.");

        // The last step that reads each value; graph outputs live to the end.
        var lastUse = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int s = 0; s < nodes.Count; s++)
        {
            foreach (var v in nodes[s].Inputs) if (v.Length > 0) lastUse[v] = s;
            foreach (var v in nodes[s].Proto.Output) if (v.Length > 0 && !lastUse.ContainsKey(v)) lastUse[v] = s;
        }
        foreach (var o in outputs) lastUse[o] = int.MaxValue;
        var free = new List<string>[nodes.Count];
        for (int s = 0; s < nodes.Count; s++) free[s] = [];
        foreach (var (v, s) in lastUse) if (s != int.MaxValue && !available.Contains(v)) free[s].Add(v);

        var steps = new Step[nodes.Count];
        for (int s = 0; s < nodes.Count; s++)
        {
            var (node, kernel, stepInputs, p) = nodes[s];
            steps[s] = new Step(node, kernel, stepInputs, p.Output.ToArray(), free[s].ToArray());
        }
        return new OnnxPlan(steps, outputs.ToArray());
    }

    /// <summary>The names a node's subgraphs read from enclosing scopes (defined in none of them), in first-use order.</summary>
    static IEnumerable<string> ImplicitInputs(NodeProto node)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in node.Attribute)
        {
            var graphs = a.G is not null ? [a.G] : a.Graphs.ToArray();
            foreach (var g in graphs)
                foreach (var name in FreeNames(g))
                    if (seen.Add(name)) yield return name;
        }
    }

    static IEnumerable<string> FreeNames(GraphProto g)
    {
        var defined = new HashSet<string>(StringComparer.Ordinal);
        foreach (var i in g.Input) defined.Add(i.Name);
        foreach (var i in g.Initializer) defined.Add(i.Name);
        foreach (var n in g.Node) foreach (var o in n.Output) defined.Add(o);
        foreach (var n in g.Node)
        {
            foreach (var v in n.Input) if (v.Length > 0 && !defined.Contains(v)) yield return v;
            foreach (var v in ImplicitInputs(n)) if (!defined.Contains(v)) yield return v;
        }
        foreach (var o in g.Output) if (!defined.Contains(o.Name)) yield return o.Name;
    }

    /// <summary>Kahn's algorithm, keeping the file's order among ready nodes; reports undefined inputs and cycles.</summary>
    static List<int> TopologicalOrder(GraphProto graph, HashSet<string> available, string[][] implicitInputs)
    {
        int n = graph.Node.Count;
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < n; i++)
            foreach (var o in graph.Node[i].Output)
                if (o.Length > 0 && !producer.TryAdd(o, i))
                    throw new InvalidDataException($"ONNX: the value '{o}' is produced by two nodes ({producer[o]} and {i}).");
        var pending = new int[n];
        var consumers = new List<int>[n];
        for (int i = 0; i < n; i++) consumers[i] = [];
        for (int i = 0; i < n; i++)
        {
            foreach (var v in graph.Node[i].Input.Concat(implicitInputs[i]))
            {
                if (v.Length == 0 || available.Contains(v)) continue;
                if (!producer.TryGetValue(v, out int p))
                    throw new InvalidDataException($"ONNX: node {i} '{graph.Node[i].Name}' ({graph.Node[i].OpType}) reads '{v}', which no node, graph input or initializer produces.");
                pending[i]++;
                consumers[p].Add(i);
            }
        }
        var ready = new SortedSet<int>(Enumerable.Range(0, n).Where(i => pending[i] == 0));
        var order = new List<int>(n);
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(i);
            foreach (int c in consumers[i]) if (--pending[c] == 0) ready.Add(c);
        }
        if (order.Count != n)
        {
            int stuck = Enumerable.Range(0, n).First(i => pending[i] > 0);
            throw new InvalidDataException($"ONNX: the graph has a cycle through node {stuck} '{graph.Node[stuck].Name}' ({graph.Node[stuck].OpType}).");
        }
        return order;
    }

    /// <summary>
    /// Runs the plan. Inference runs under no-grad; with <paramref name="recordGrad"/> (a graph imported as a
    /// module) autograd records as usual, and freeing an intermediate does not free what backward saved from it.
    /// </summary>
    public Dictionary<string, Tensor> Execute(IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor> initializers,
        bool recordGrad = false)
    {
        // Values this run created and must free; inputs and initializers belong to others.
        var owned = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = recordGrad ? null : Autograd.NoGrad();
        try
        {
            foreach (var step in steps) Run(step, inputs, initializers, owned);
            var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var name in outputs)
            {
                if (result.ContainsKey(name)) continue;
                if (owned.Remove(name, out var t)) result[name] = t;
                else result[name] = Lookup(name, inputs, initializers, owned)!.Clone();
            }
            return result;
        }
        finally
        {
            foreach (var t in owned.Values) t.Dispose();
        }
    }

    static Tensor? Lookup(string name, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor> initializers,
        Dictionary<string, Tensor> owned)
    {
        if (owned.TryGetValue(name, out var t)) return t;
        if (inputs.TryGetValue(name, out t)) return t;
        if (initializers.TryGetValue(name, out t)) return t;
        return null;
    }

    static void Run(Step step, IReadOnlyDictionary<string, Tensor> inputs, IReadOnlyDictionary<string, Tensor> initializers,
        Dictionary<string, Tensor> owned)
    {
        var args = new Tensor?[step.Inputs.Length];
        for (int i = 0; i < args.Length; i++)
        {
            if (step.Inputs[i].Length == 0) continue;
            args[i] = Lookup(step.Inputs[i], inputs, initializers, owned)
                ?? throw new InvalidOperationException($"ONNX: {step.Node.Describe()} reads '{step.Inputs[i]}', which has no value at this point.");
        }
        Tensor?[] results;
        try { results = step.Kernel(args); }
        catch (Exception e) when (!e.Message.StartsWith("ONNX:", StringComparison.Ordinal))
        {
            throw OnnxErrors.Wrap(step.Node, step.Inputs, args, e);
        }
        for (int i = 0; i < results.Length; i++)
        {
            var r = results[i];
            if (r is null) continue;
            // A kernel may hand back one of its inputs; give the value its own handle (keeping its autograd history).
            if (Array.IndexOf(args, r) >= 0 || Array.IndexOf(results, r) < i) r = Host.Same(r);
            // A value of a narrow type (INT8, UINT16, ...) is computed widened; bring it back into its range.
            if (OnnxTypes.Wrap(r, step.Node.OutputElementType(i)) is { } wrapped)
            {
                if (Array.IndexOf(results, r, i + 1) < 0) r.Dispose();
                r = wrapped;
            }
            if (i < step.Outputs.Length && step.Outputs[i].Length > 0) owned[step.Outputs[i]] = r;
            else r.Dispose();
        }
        for (int i = results.Length; i < step.Outputs.Length; i++)
            if (step.Outputs[i].Length > 0)
                throw new InvalidOperationException($"ONNX: {step.Node.Describe()} has an output '{step.Outputs[i]}' that Ember does not compute.");
        foreach (var name in step.FreeAfter)
            if (owned.Remove(name, out var t)) t.Dispose();
    }
}
