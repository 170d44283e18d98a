using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// RNN, GRU and LSTM with ONNX's gate layouts (LSTM: i, o, f, c; GRU: z, r, h), forward, reverse
/// and bidirectional runs, sequence_lens, initial states, peepholes, clip, layout and custom activations.
/// Export writes one such node per layer, except for an LSTM with a projection, which is unrolled over time.
/// </summary>
internal static class RecurrentOps
{
    enum Cell { Rnn, Gru, Lstm }

    public static void RegisterExport(Dictionary<Type, ModuleExporter> r)
    {
        r[typeof(NN.LSTM)] = (t, m, x, y) => Export(t, (NN.RNNBase)m, x, y, Cell.Lstm, null);
        r[typeof(NN.GRU)] = (t, m, x, y) => Export(t, (NN.RNNBase)m, x, y, Cell.Gru, null);
        r[typeof(NN.RNN)] = (t, m, x, y) => Export(t, (NN.RNNBase)m, x, y, Cell.Rnn, ((NN.RNN)m).Nonlinearity == "relu" ? "Relu" : "Tanh");
    }

    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["RNN"] = n => Import(n, Cell.Rnn);
        r["GRU"] = n => Import(n, Cell.Gru);
        r["LSTM"] = n => Import(n, Cell.Lstm);
    }

    static int Gates(Cell c) => c switch { Cell.Rnn => 1, Cell.Gru => 3, _ => 4 };

    static OnnxKernel Import(OnnxNode node, Cell cell)
    {
        string direction = node.String("direction", "forward");
        if (direction is not ("forward" or "reverse" or "bidirectional")) throw node.Error($"has direction '{direction}'");
        int dirs = direction == "bidirectional" ? 2 : 1;
        int layout = node.Int32("layout", 0);
        float? clip = node.FloatOrNull("clip");
        bool linearBeforeReset = node.Int("linear_before_reset", 0) != 0;
        bool inputForget = node.Int("input_forget", 0) != 0;
        int perDir = cell switch { Cell.Rnn => 1, Cell.Gru => 2, _ => 3 };
        var names = node.Has("activations") ? ReadStrings(node) : null;
        var alphas = node.Floats("activation_alpha") ?? [];
        var betas = node.Floats("activation_beta") ?? [];
        string[] defaults = cell switch { Cell.Rnn => ["Tanh"], Cell.Gru => ["Sigmoid", "Tanh"], _ => ["Sigmoid", "Tanh", "Tanh"] };
        var acts = new Func<double, double>[dirs * perDir];
        for (int i = 0; i < acts.Length; i++)
        {
            string name = names is not null && i < names.Length ? names[i] : defaults[i % perDir];
            acts[i] = Activation(node, name, i < alphas.Length ? alphas[i] : null, i < betas.Length ? betas[i] : null);
        }
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "X");
            var w = OnnxTensors.ToDoubles(Host.Need(node, inputs, 1, "W"));
            var rT = Host.Need(node, inputs, 2, "R");
            var r = OnnxTensors.ToDoubles(rT);
            int hidden = (int)(node.IntOrNull("hidden_size") ?? rT.Shape[^1]);
            int g = Gates(cell);
            var xs = x.Shape;
            if (x.Rank != 3) throw new ArgumentException($"{node.OpType}: X must be 3-d, got {Shapes.Format(xs)}.");
            int seq = layout == 0 ? xs[0] : xs[1], batch = layout == 0 ? xs[1] : xs[0], input = xs[2];
            if (w.Length != dirs * g * hidden * input || r.Length != dirs * g * hidden * hidden)
                throw new ArgumentException($"{node.OpType}: W {Shapes.Format(inputs[1]!.Shape)} and R {Shapes.Format(rT.Shape)} do not fit {dirs} direction(s), hidden size {hidden} and input size {input}.");
            var xv = OnnxTensors.ToDoubles(x);
            var b = Opt(inputs, 3) is { } bt ? OnnxTensors.ToDoubles(bt) : new double[dirs * 2 * g * hidden];
            var lens = Opt(inputs, 4) is { } lt ? OnnxTensors.ToLongs(lt) : Enumerable.Repeat((long)seq, batch).ToArray();
            var h0 = Opt(inputs, 5) is { } ht ? OnnxTensors.ToDoubles(ht) : null;
            var c0 = cell == Cell.Lstm && Opt(inputs, 6) is { } ct ? OnnxTensors.ToDoubles(ct) : null;
            var p = cell == Cell.Lstm && Opt(inputs, 7) is { } pt ? OnnxTensors.ToDoubles(pt) : new double[dirs * 3 * hidden];

            var y = new double[seq * dirs * batch * hidden];
            var yh = new double[dirs * batch * hidden];
            var yc = new double[dirs * batch * hidden];
            var gate = new double[g * hidden];
            for (int d = 0; d < dirs; d++)
            {
                bool reverse = direction == "reverse" || d == 1;
                var f = acts.AsSpan(d * perDir, perDir).ToArray();
                for (int bi = 0; bi < batch; bi++)
                {
                    var h = new double[hidden];
                    var c = new double[hidden];
                    for (int k = 0; k < hidden; k++)
                    {
                        if (h0 is not null) h[k] = h0[State(layout, d, bi, k, dirs, batch, hidden)];
                        if (c0 is not null) c[k] = c0[State(layout, d, bi, k, dirs, batch, hidden)];
                    }
                    int len = (int)Math.Clamp(lens[bi], 0, seq);
                    for (int step = 0; step < len; step++)
                    {
                        int t = reverse ? len - 1 - step : step;
                        long xOff = layout == 0 ? ((long)t * batch + bi) * input : ((long)bi * seq + t) * input;
                        // gate = W·x + Wb (+ R·h + Rb except GRU's h gate, which needs the reset first).
                        for (int j = 0; j < g * hidden; j++)
                        {
                            double acc = b[(d * 2 * g) * hidden + j];
                            long wOff = ((long)d * g * hidden + j) * input;
                            for (int k = 0; k < input; k++) acc += w[wOff + k] * xv[xOff + k];
                            gate[j] = acc;
                        }
                        var hPrev = (double[])h.Clone();
                        double Rh(int j) // row j of R times h, plus Rb
                        {
                            double acc = b[(d * 2 * g + g) * hidden + j];
                            long rOff = ((long)d * g * hidden + j) * hidden;
                            for (int k = 0; k < hidden; k++) acc += r[rOff + k] * hPrev[k];
                            return acc;
                        }
                        double Clip(double v) => clip is float cl ? Math.Clamp(v, -cl, cl) : v;
                        switch (cell)
                        {
                            case Cell.Rnn:
                                for (int k = 0; k < hidden; k++) h[k] = f[0](Clip(gate[k] + Rh(k)));
                                break;
                            case Cell.Gru:
                            {
                                var z = new double[hidden]; var rr = new double[hidden];
                                for (int k = 0; k < hidden; k++)
                                {
                                    z[k] = f[0](Clip(gate[k] + Rh(k)));
                                    rr[k] = f[0](Clip(gate[hidden + k] + Rh(hidden + k)));
                                }
                                for (int k = 0; k < hidden; k++)
                                {
                                    int j = 2 * hidden + k;
                                    double rec;
                                    if (linearBeforeReset) rec = rr[k] * Rh(j);
                                    else
                                    {
                                        rec = b[(d * 2 * g + g) * hidden + j];
                                        long rOff = ((long)d * g * hidden + j) * hidden;
                                        for (int m = 0; m < hidden; m++) rec += r[rOff + m] * rr[m] * hPrev[m];
                                    }
                                    double hh = f[1](Clip(gate[j] + rec));
                                    h[k] = (1 - z[k]) * hh + z[k] * hPrev[k];
                                }
                                break;
                            }
                            default:
                            {
                                for (int k = 0; k < hidden; k++)
                                {
                                    double pi = p[d * 3 * hidden + k], po = p[d * 3 * hidden + hidden + k], pf = p[d * 3 * hidden + 2 * hidden + k];
                                    double i = f[0](Clip(gate[k] + Rh(k) + pi * c[k]));
                                    double fg = inputForget ? 1 - i : f[0](Clip(gate[2 * hidden + k] + Rh(2 * hidden + k) + pf * c[k]));
                                    double cc = f[1](Clip(gate[3 * hidden + k] + Rh(3 * hidden + k)));
                                    double cNew = fg * c[k] + i * cc;
                                    double o = f[0](Clip(gate[hidden + k] + Rh(hidden + k) + po * cNew));
                                    c[k] = cNew;
                                    h[k] = o * f[2](cNew);
                                }
                                break;
                            }
                        }
                        for (int k = 0; k < hidden; k++)
                        {
                            long at = layout == 0 ? (((long)t * dirs + d) * batch + bi) * hidden + k : (((long)bi * seq + t) * dirs + d) * hidden + k;
                            y[at] = h[k];
                        }
                    }
                    for (int k = 0; k < hidden; k++)
                    {
                        yh[State(layout, d, bi, k, dirs, batch, hidden)] = h[k];
                        yc[State(layout, d, bi, k, dirs, batch, hidden)] = c[k];
                    }
                }
            }
            int[] yShape = layout == 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
            int[] hShape = layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
            var outs = new List<Tensor?> { OnnxTensors.FromDoubles(y, yShape, x.DType), OnnxTensors.FromDoubles(yh, hShape, x.DType) };
            if (cell == Cell.Lstm) outs.Add(OnnxTensors.FromDoubles(yc, hShape, x.DType));
            return outs.ToArray();
        };
    }

    static int State(int layout, int d, int b, int k, int dirs, int batch, int hidden)
        => layout == 0 ? (d * batch + b) * hidden + k : (b * dirs + d) * hidden + k;

    static Tensor? Opt(Tensor?[] inputs, int i) => i < inputs.Length ? inputs[i] : null;

    static string[] ReadStrings(OnnxNode node) => node.Strings("activations") ?? [];

    static Func<double, double> Activation(OnnxNode node, string name, float? alpha, float? beta)
    {
        switch (name.ToLowerInvariant())
        {
            case "sigmoid": return v => 1 / (1 + Math.Exp(-v));
            case "tanh": return Math.Tanh;
            case "relu": return v => Math.Max(0, v);
            case "affine": { double a = alpha ?? 1, b = beta ?? 0; return v => a * v + b; }
            case "leakyrelu": { double a = alpha ?? 0.01; return v => v >= 0 ? v : a * v; }
            case "thresholdedrelu": { double a = alpha ?? 1; return v => v > a ? v : 0; }
            case "scaledtanh": { double a = alpha ?? 1, b = beta ?? 1; return v => a * Math.Tanh(b * v); }
            case "hardsigmoid": { double a = alpha ?? 0.2, b = beta ?? 0.5; return v => Math.Clamp(a * v + b, 0, 1); }
            case "elu": { double a = alpha ?? 1; return v => v >= 0 ? v : a * (Math.Exp(v) - 1); }
            case "softsign": return v => v / (1 + Math.Abs(v));
            case "softplus": return v => Math.Log(1 + Math.Exp(v));
            default: throw node.Error($"uses the activation '{name}', which Ember does not know");
        }
    }

    // ---- export ----

    /// <summary>
    /// An RNN, GRU or LSTM as one ONNX node per layer (see <see cref="NodeLayer"/>), or, for an LSTM
    /// with a projection, which ONNX's LSTM lacks, unrolled over the sample's time steps (see
    /// <see cref="UnrolledLstmLayer"/>). Layers pass [T, N, dirs·H] to each other; batchFirst and
    /// unbatched inputs go through Transpose and Unsqueeze.
    /// </summary>
    static void Export(OnnxTracer t, NN.RNNBase m, Tensor input, Tensor y, Cell cell, string? activation)
    {
        string name = m.GetType().Name;
        bool batched = input.Rank == 3, unrolled = m.ProjSize > 0;
        // The graph's first axis is dynamic; an unrolled graph has a fixed number of steps, so that axis must be the batch.
        if (unrolled && !(batched && m.BatchFirst))
            throw new NotSupportedException(
                $"OnnxExporter: {name} with projSize {m.ProjSize} exports unrolled over the sample's time steps, which needs batchFirst: true and a " +
                $"batched [N, T, I] input; the input of shape {Shapes.Format(input.Shape)} has its time steps on the first axis, which the exported graph keeps dynamic.");
        var p = m.NamedParameters().ToDictionary(e => e.Name, e => (Tensor)e.Parameter);
        string x = t.In(input);
        if (!batched) x = t.Emit("Unsqueeze", [x, t.Ints(1)]);
        else if (m.BatchFirst) x = t.Emit("Transpose", [x], new Attr("perm", new long[] { 1, 0, 2 }));
        int steps = batched && m.BatchFirst ? input.Shape[1] : input.Shape[0];
        for (int layer = 0; layer < m.NumLayers; layer++)
            x = unrolled ? UnrolledLstmLayer(t, m, p, layer, x, steps) : NodeLayer(t, m, p, layer, x, cell, activation);
        if (!batched) x = t.Emit("Squeeze", [x, t.Ints(1)]);
        else if (m.BatchFirst) x = t.Emit("Transpose", [x], new Attr("perm", new long[] { 1, 0, 2 }));
        t.Bind(y, x);
    }

    /// <summary>
    /// One layer as one ONNX node (both directions in it). PyTorch's gate blocks are reordered to
    /// ONNX's (LSTM i,f,g,o → i,o,f,c; GRU r,z,n → z,r,h, with linear_before_reset = 1, PyTorch's GRU),
    /// and the input and hidden biases are concatenated. The node's [T, dirs, N, H] becomes [T, N, dirs·H].
    /// </summary>
    static string NodeLayer(OnnxTracer t, NN.RNNBase m, Dictionary<string, Tensor> p, int layer, string x, Cell cell, string? activation)
    {
        int dirs = m.Bidirectional ? 2 : 1, h = m.HiddenSize;
        int[] order = cell switch { Cell.Lstm => [0, 3, 1, 2], Cell.Gru => [1, 0, 2], _ => [0] };
        string[] sfx = Enumerable.Range(0, dirs).Select(d => Suffix(layer, d)).ToArray();
        string W, R, B = "";
        using (OnnxTrace.Suppress())
        {
            W = Stacked(t, sfx.Select(s => Reorder(p["weight_ih" + s], order, h)).ToArray(), $"W_l{layer}");
            R = Stacked(t, sfx.Select(s => Reorder(p["weight_hh" + s], order, h)).ToArray(), $"R_l{layer}");
            if (m.HasBias)
                B = Stacked(t, sfx.Select(s =>
                {
                    using var bi = Reorder(p["bias_ih" + s], order, h);
                    using var bh = Reorder(p["bias_hh" + s], order, h);
                    return Tensor.Cat([bi, bh], 0);
                }).ToArray(), $"B_l{layer}");
        }
        var attrs = new List<Attr> { new("hidden_size", (long)h), new("direction", dirs == 2 ? "bidirectional" : "forward") };
        if (cell == Cell.Gru) attrs.Add(new("linear_before_reset", 1L));
        if (activation is not null) attrs.Add(new("activations", Enumerable.Repeat(activation, dirs).ToArray()));
        string op = cell switch { Cell.Lstm => "LSTM", Cell.Gru => "GRU", _ => "RNN" };
        var outs = t.EmitMany(op, [x, W, R, B.Length > 0 ? B : null], 1, attrs.ToArray());
        var merged = t.Emit("Transpose", [outs[0]], new Attr("perm", new long[] { 0, 2, 1, 3 }));
        return t.Emit("Reshape", [merged, t.Ints(0, 0, -1)]);
    }

    /// <summary>
    /// One LSTM layer with a projection, unrolled over <paramref name="steps"/> steps of x [T, N, I]. Per
    /// direction and step: gates = x_t·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (PyTorch's order i, f, g, o),
    /// c = f∘c + i∘g, h = (o∘tanh c)·W_hrᵀ; the reverse direction walks the steps backwards. The states
    /// start at zero, so the first step drops the terms in h and c: no zero state, whose shape would
    /// hold the batch size, is needed. Returns [T, N, dirs·P]: each step's h, directions side by side.
    /// </summary>
    static string UnrolledLstmLayer(OnnxTracer t, NN.RNNBase m, Dictionary<string, Tensor> p, int layer, string x, int steps)
    {
        int dirs = m.Bidirectional ? 2 : 1;
        long hidden = m.HiddenSize;
        var transB = new Attr("transB", 1L);
        var hs = new string[dirs][];
        for (int d = 0; d < dirs; d++)
        {
            string s = Suffix(layer, d);
            string wIh = t.In(p["weight_ih" + s]), wHh = t.In(p["weight_hh" + s]), wHr = t.In(p["weight_hr" + s]);
            string? bIh = m.HasBias ? t.In(p["bias_ih" + s]) : null, bHh = m.HasBias ? t.In(p["bias_hh" + s]) : null;
            hs[d] = new string[steps];
            string? h = null, c = null;
            for (int k = 0; k < steps; k++)
            {
                int step = d == 1 ? steps - 1 - k : k;
                string xt = t.Emit("Gather", [x, t.IntScalar(step)], new Attr("axis", 0L));
                string gates = t.Emit("Gemm", [xt, wIh, bIh], transB);
                if (h is not null) gates = t.Emit("Add", [gates, t.Emit("Gemm", [h, wHh, bHh], transB)]);
                else if (bHh is not null) gates = t.Emit("Add", [gates, bHh]);
                var g = t.EmitMany("Split", [gates, t.Ints(hidden, hidden, hidden, hidden)], 4, new Attr("axis", 1L));
                string ig = t.Emit("Mul", [t.Emit("Sigmoid", [g[0]]), t.Emit("Tanh", [g[2]])]);
                c = c is null ? ig : t.Emit("Add", [t.Emit("Mul", [t.Emit("Sigmoid", [g[1]]), c]), ig]);
                string full = t.Emit("Mul", [t.Emit("Sigmoid", [g[3]]), t.Emit("Tanh", [c])]);
                h = hs[d][step] = t.Emit("Gemm", [full, wHr], transB);
            }
        }
        var perStep = Enumerable.Range(0, steps)
            .Select(k => t.Emit("Unsqueeze", [Concat(t, hs.Select(hd => hd[k]).ToArray(), 1), t.Ints(0)]))
            .ToArray();
        return Concat(t, perStep, 0);
    }

    /// <summary>The parameter-name suffix of a layer and direction (PyTorch's: _l1, _l1_reverse).</summary>
    static string Suffix(int layer, int direction) => $"_l{layer}" + (direction == 1 ? "_reverse" : "");

    static string Concat(OnnxTracer t, string[] parts, long axis)
        => parts.Length == 1 ? parts[0] : t.Emit("Concat", parts, new Attr("axis", axis));

    /// <summary>The gate blocks of a [G·H, ...] weight or [G·H] bias in ONNX's order.</summary>
    static Tensor Reorder(Tensor w, int[] order, int h)
    {
        var blocks = order.Select(g => w.Narrow(0, g * h, h)).ToArray();
        try { return Tensor.Cat(blocks, 0); }
        finally { foreach (var b in blocks) b.Dispose(); }
    }

    /// <summary>Per-direction tensors stacked on a new first axis, added as one initializer.</summary>
    static string Stacked(OnnxTracer t, Tensor[] perDirection, string hint)
    {
        try
        {
            using var s = Tensor.Stack(perDirection, 0);
            using var d = s.Detach();
            return t.Constant(d, hint);
        }
        finally { foreach (var x in perDirection) x.Dispose(); }
    }
}
