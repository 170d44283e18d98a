namespace Ember.Onnx.Ops;

/// <summary>
/// If and Loop. Their bodies are planned once at import, like the main graph; values of enclosing
/// graphs that a body reads arrive as the node's implicit inputs.
/// </summary>
internal static class ControlFlowOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["If"] = If;
        r["Loop"] = Loop;
    }

    /// <summary>A planned body with its own initializers.</summary>
    sealed class Body
    {
        public required OnnxPlan Plan { get; init; }
        public required Dictionary<string, Tensor> Initializers { get; init; }
        public required string[] Inputs { get; init; }
        public required string[] Outputs { get; init; }

        public static Body Build(OnnxNode node, string attribute)
        {
            var g = node.Graph(attribute) ?? throw node.Error($"has no '{attribute}' graph");
            var inits = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var t in g.Initializer)
                inits[t.Name] = OnnxTensors.ToTensor(t, node.BaseDir, $"the initializer '{t.Name}' of the {attribute} of {node.Describe()}");
            var inputs = g.Input.Select(i => i.Name).Where(n => !inits.ContainsKey(n)).ToArray();
            var outputs = g.Output.Select(o => o.Name).ToArray();
            return new Body { Plan = OnnxPlan.Build(g, node.Opset, node.BaseDir, inputs, inits.Keys, outputs, node.Scope, node.ScopeElementTypes), Initializers = inits, Inputs = inputs, Outputs = outputs };
        }

        /// <summary>Runs the body on its formal inputs plus the node's implicit (outer) values; returns its outputs in order.</summary>
        public Tensor[] Run(OnnxNode node, Tensor?[] args, Tensor[] formal)
        {
            var values = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            for (int i = 0; i < node.ImplicitInputs.Length; i++)
                if (args[node.InputCount + i] is { } t) values[node.ImplicitInputs[i]] = t;
            for (int i = 0; i < Inputs.Length && i < formal.Length; i++) values[Inputs[i]] = formal[i];
            var result = Plan.Execute(values, Initializers);
            return Outputs.Select(o => result[o]).ToArray();
        }
    }

    static OnnxKernel If(OnnxNode node)
    {
        node.ExpectInputs(1, 1);
        var then = Body.Build(node, "then_branch");
        var otherwise = Body.Build(node, "else_branch");
        return args =>
        {
            var cond = Host.Need(node, args, 0, "cond");
            if (cond.NumElements != 1) throw new ArgumentException($"If: the condition must hold one value, got shape {Shapes.Format(cond.Shape)}.");
            var branch = OnnxTensors.ToDoubles(cond)[0] != 0 ? then : otherwise;
            return branch.Run(node, args, []);
        };
    }

    static OnnxKernel Loop(OnnxNode node)
    {
        if (node.InputCount < 2) throw node.Error("needs the inputs M and cond (either may be empty)");
        var body = Body.Build(node, "body");
        int carried = node.InputCount - 2;
        if (body.Inputs.Length != carried + 2)
            throw node.Error($"has a body with {body.Inputs.Length} inputs; expected {carried + 2} (iteration number, condition and {carried} loop-carried values)");
        if (body.Outputs.Length < carried + 1)
            throw node.Error($"has a body with {body.Outputs.Length} outputs; expected at least {carried + 1}");
        int scans = body.Outputs.Length - 1 - carried;
        return args =>
        {
            long? max = args[0] is { } m ? OnnxTensors.ToLongs(m)[0] : null;
            bool cond = args[1] is not { } c || OnnxTensors.ToDoubles(c)[0] != 0;
            var state = new Tensor[carried];
            for (int i = 0; i < carried; i++) state[i] = (args[2 + i] ?? throw node.Error($"is missing the loop-carried input {i}")).Alias();
            var scanned = Enumerable.Range(0, scans).Select(_ => new List<Tensor>()).ToArray();
            try
            {
                for (long iter = 0; (max is null || iter < max) && cond; iter++)
                {
                    using var iterNum = Tensor.Scalar(iter);
                    using var condIn = Tensor.Scalar(cond);
                    var outputs = body.Run(node, args, [iterNum, condIn, .. state]);
                    using (outputs[0]) cond = OnnxTensors.ToDoubles(outputs[0])[0] != 0;
                    for (int i = 0; i < carried; i++) { state[i].Dispose(); state[i] = outputs[1 + i]; }
                    for (int i = 0; i < scans; i++) scanned[i].Add(outputs[1 + carried + i]);
                }
                var result = new Tensor?[carried + scans];
                for (int i = 0; i < carried; i++) result[i] = state[i];
                for (int i = 0; i < scans; i++)
                    result[carried + i] = scanned[i].Count > 0 ? Tensor.Stack(scanned[i].ToArray()) : Tensor.Zeros([0], DType.Float32);
                return result;
            }
            catch
            {
                foreach (var t in state) t.Dispose();
                throw;
            }
            finally
            {
                foreach (var list in scanned) foreach (var t in list) t.Dispose();
            }
        };
    }
}
