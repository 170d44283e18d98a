namespace Ember;

/// <summary>
/// Runs backward: orders the graph iteratively (a deep graph must not overflow the stack), feeds each
/// node the sum of its output's gradients, sums broadcast gradients down to input shapes, accumulates
/// into leaves, and frees saved tensors and intermediate gradients as soon as they are used.
/// </summary>
internal static class Engine
{
    public static void Backward(Tensor root, Tensor? gradient, bool retainGraph)
    {
        root.Live("Backward");
        if (!root.RequiresGrad)
            throw new InvalidOperationException("Backward: the tensor does not require grad and has no grad_fn; nothing to differentiate.");
        var seed = SeedGradient(root, gradient);
        Run([root], [seed], retainGraph, capture: null);
    }

    /// <summary>Gradients of the outputs with respect to the inputs, without touching any .Grad.</summary>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs, bool retainGraph)
    {
        var seeds = new Tensor[outputs.Length];
        for (int i = 0; i < outputs.Length; i++)
        {
            if (!outputs[i].RequiresGrad)
                throw new InvalidOperationException($"Autograd.Grad: output {i} does not require grad.");
            seeds[i] = SeedGradient(outputs[i], gradOutputs?[i]);
        }
        var capture = new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < inputs.Length; i++)
        {
            if (!inputs[i].RequiresGrad) throw new InvalidOperationException($"Autograd.Grad: input {i} does not require grad.");
            capture[(object?)inputs[i].GradFn ?? inputs[i]] = i;
        }
        var results = new Tensor?[inputs.Length];
        Run(outputs, seeds, retainGraph, (key, g) =>
        {
            if (!capture.TryGetValue(key, out int i)) return false;
            results[i] = results[i] is { } acc ? Accumulate(acc, g) : Own(g);
            return true;
        });
        return results;
    }

    static Tensor SeedGradient(Tensor root, Tensor? gradient)
    {
        if (gradient is null)
        {
            if (root.NumElements != 1)
                throw new InvalidOperationException(
                    $"Backward: the output has shape {Shapes.Format(root.shape)}; gradients can be created implicitly only for one-element outputs. Pass a gradient of that shape.");
            return Tensor.OnesLike(root);
        }
        if (!Shapes.SameShape(gradient.shape, root.shape))
            throw new ArgumentException($"Backward: the gradient has shape {Shapes.Format(gradient.shape)} but the output has shape {Shapes.Format(root.shape)}.");
        using (GradMode.Disable()) return gradient.To(root.DType); // a fresh handle the engine owns
    }

    // capture(key, grad) is called for leaves (key = tensor) and nodes (key = node); true means "taken, do not accumulate into .Grad".
    static void Run(Tensor[] roots, Tensor[] seeds, bool retainGraph, Func<object, Tensor, bool>? capture)
    {
        var pending = new Dictionary<Node, Tensor>();
        var dependencies = CountDependencies(roots);
        var ready = new Stack<Node>();

        for (int i = 0; i < roots.Length; i++)
        {
            if (roots[i].GradFn is { } fn)
            {
                pending[fn] = pending.TryGetValue(fn, out var g) ? Accumulate(g, seeds[i]) : seeds[i];
                if (!dependencies.ContainsKey(fn) || dependencies[fn] == 0) if (!ready.Contains(fn)) ready.Push(fn);
            }
            else DeliverToLeaf(roots[i], seeds[i], capture);
        }

        using (GradMode.Disable())
        {
            while (ready.Count > 0)
            {
                var node = ready.Pop();
                var gradOut = pending[node];
                pending.Remove(node);
                if (capture is not null && capture(node, gradOut)) { node.Release(); continue; }
                node.EnsureNotReleased();

                if (TryAccumulateInPlace(node, gradOut, pending))
                {
                    if (!retainGraph) node.Release();
                    var next = node.Next[0].Function!;
                    if (--dependencies[next] == 0) ready.Push(next);
                    gradOut.Dispose();
                    continue;
                }

                var gradIns = node.Backward(gradOut);
                if (!retainGraph) node.Release();

                for (int i = 0; i < gradIns.Length; i++)
                {
                    var gi = gradIns[i];
                    if (gi is null) continue;
                    if (i >= node.Next.Length || node.Next[i].IsEmpty)
                    {
                        // Computed but not needed: free it unless it is an object used elsewhere.
                        if (!ReferenceEquals(gi, gradOut) && Array.FindAll(gradIns, o => ReferenceEquals(o, gi)).Length == 1) gi.Dispose();
                        continue;
                    }
                    var edge = node.Next[i];
                    gi = ToInputShape(gi, node.InputShapes[i], node.InputDTypes[i], gradOut, gradIns, i);

                    if (edge.Leaf is { } leaf) DeliverToLeaf(leaf, gi, capture);
                    else
                    {
                        var fn = edge.Function!;
                        pending[fn] = pending.TryGetValue(fn, out var acc) ? Accumulate(acc, gi) : gi;
                        if (--dependencies[fn] == 0) ready.Push(fn);
                    }
                }
                // Every gradient passed on is a separate handle (ToInputShape aliases shared ones), so this one is done.
                gradOut.Dispose();
            }
        }
        foreach (var g in pending.Values) g.Dispose(); // gradients of branches that lead nowhere
    }

    /// <summary>How many recorded consumers each node has among the nodes reachable from the roots.</summary>
    static Dictionary<Node, int> CountDependencies(Tensor[] roots)
    {
        var deps = new Dictionary<Node, int>();
        var seen = new HashSet<Node>();
        var stack = new Stack<Node>();
        foreach (var r in roots)
            if (r.GradFn is { } fn && seen.Add(fn)) stack.Push(fn);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            foreach (var e in n.Next)
            {
                if (e.Function is not { } next) continue;
                deps[next] = deps.GetValueOrDefault(next) + 1;
                if (seen.Add(next)) stack.Push(next);
            }
        }
        return deps;
    }

    /// <summary>
    /// Makes a returned gradient the engine's own: sums broadcast dims away, casts to the input's
    /// dtype, and wraps a tensor that is also handed elsewhere (Add returns its gradient twice) in an alias,
    /// so each holder can dispose its own reference.
    /// </summary>
    static Tensor ToInputShape(Tensor g, int[] shape, DType dtype, Tensor gradOut, Tensor?[] all, int index)
    {
        bool shared = ReferenceEquals(g, gradOut);
        for (int j = 0; j < index && !shared; j++) shared = ReferenceEquals(all[j], g);
        if (!Shapes.SameShape(g.shape, shape))
        {
            var reduced = g.SumToShape(shape);
            if (!shared) g.Dispose();
            g = reduced;
        }
        else if (shared) g = g.Alias();
        if (g.DType != dtype && dtype.IsFloatingPoint())
        {
            var cast = g.To(dtype);
            if (!ReferenceEquals(cast, g)) g.Dispose();
            g = cast;
        }
        return g;
    }

    static void DeliverToLeaf(Tensor leaf, Tensor g, Func<object, Tensor, bool>? capture)
    {
        if (capture is not null)
        {
            if (!capture(leaf, g)) g.Dispose();
            return;
        }
        if (leaf.grad is null) leaf.grad = Own(g);
        else
        {
            leaf.grad.AddInPlace(g);
            g.Dispose();
        }
    }

    /// <summary>A gradient that may live on in .Grad and be updated in place: contiguous and not shared.</summary>
    static Tensor Own(Tensor g)
    {
        if (g.IsContiguous && g.storage.RefCount == 1 && g.offset == 0) return g;
        var c = g.Clone();
        g.Dispose();
        return c;
    }

    /// <summary>
    /// A slice's gradient is zero outside its region: when its input's gradient is already being summed
    /// in a buffer only the engine holds, the slice adds into that region in place, instead of building
    /// an input-sized zero-filled tensor to add to it (the pieces of a Split or Chunk meet this way).
    /// </summary>
    static bool TryAccumulateInPlace(Node node, Tensor gradOut, Dictionary<Node, Tensor> pending)
    {
        if (node.Next.Length != 1 || node.Next[0].Function is not { } next || !pending.TryGetValue(next, out var acc)) return false;
        bool owned = acc.IsContiguous && acc.offset == 0 && acc.storage.RefCount == 1;
        if (!owned || acc.DType != node.InputDTypes[0] || acc.DType != gradOut.DType || !Shapes.SameShape(acc.shape, node.InputShapes[0])) return false;
        return node.AccumulateInto(acc, gradOut);
    }

    static Tensor Accumulate(Tensor acc, Tensor g)
    {
        var sum = acc + g;
        acc.Dispose();
        g.Dispose();
        return sum;
    }
}
