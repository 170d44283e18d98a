namespace Ember.NN;

/// <summary>
/// What RNN, LSTM and GRU share (PyTorch's RNNBase): the parameters of every layer and direction under
/// PyTorch's names (weight_ih_l{k}[_reverse], weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k}),
/// all drawn from U(±1/√hidden), and the stacking of fused layer-directions with dropout between layers.
/// Inputs are [T, N, I] ([N, T, I] with batchFirst) or unbatched [T, I]; states are
/// [layers·directions, N, H] (or [layers·directions, H] unbatched). With lengths (pack_padded_sequence's
/// semantics), sequence n runs over its first lengths[n] steps only: the output keeps the input's T steps
/// (like pad_packed_sequence with total_length = T), zero past each sequence's end, and the final states
/// are each sequence's own.
/// </summary>
public abstract class RNNBase : Module<Tensor, Tensor>
{
    private protected readonly RnnMode mode;
    readonly Generator? generator;
    readonly Parameter[][] weights; // per layer-direction: w_ih, w_hh, [b_ih, b_hh], [w_hr]

    public int InputSize { get; }
    public int HiddenSize { get; }
    public int NumLayers { get; }
    public bool HasBias { get; }
    public bool BatchFirst { get; }
    public double DropoutP { get; }
    public bool Bidirectional { get; }
    /// <summary>The LSTM projection size (0: none).</summary>
    public int ProjSize { get; }

    int Directions => Bidirectional ? 2 : 1;
    int OutSize => ProjSize > 0 ? ProjSize : HiddenSize;
    string Name => GetType().Name;

    private protected RNNBase(RnnMode mode, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst,
        double dropout, bool bidirectional, int projSize, Generator? generator)
    {
        string name = GetType().Name;
        if (inputSize < 1 || hiddenSize < 1)
            throw new ArgumentException($"{name}: inputSize ({inputSize}) and hiddenSize ({hiddenSize}) must be positive.");
        if (numLayers < 1) throw new ArgumentException($"{name}: numLayers must be at least 1, got {numLayers}.");
        if (!(dropout >= 0 && dropout <= 1)) throw new ArgumentException($"{name}: dropout must lie in [0, 1], got {dropout}.");
        if (projSize < 0) throw new ArgumentException($"{name}: projSize must be non-negative, got {projSize}.");
        if (projSize >= hiddenSize && projSize > 0)
            throw new ArgumentException($"{name}: projSize ({projSize}) must be smaller than hiddenSize ({hiddenSize}).");
        (this.mode, this.generator) = (mode, generator);
        (InputSize, HiddenSize, NumLayers, HasBias, BatchFirst, DropoutP, Bidirectional, ProjSize) =
            (inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize);

        int gates = GateCount(mode) * hiddenSize;
        double bound = 1 / Math.Sqrt(hiddenSize);
        weights = new Parameter[numLayers * Directions][];
        for (int layer = 0; layer < numLayers; layer++)
            for (int dir = 0; dir < Directions; dir++)
            {
                string sfx = $"_l{layer}" + (dir == 1 ? "_reverse" : "");
                int layerIn = layer == 0 ? inputSize : OutSize * Directions;
                var list = new List<Parameter>
                {
                    Param("weight_ih" + sfx, Init.Uniform([gates, layerIn], -bound, bound, generator)),
                    Param("weight_hh" + sfx, Init.Uniform([gates, OutSize], -bound, bound, generator)),
                };
                if (bias)
                {
                    list.Add(Param("bias_ih" + sfx, Init.Uniform([gates], -bound, bound, generator)));
                    list.Add(Param("bias_hh" + sfx, Init.Uniform([gates], -bound, bound, generator)));
                }
                if (projSize > 0) list.Add(Param("weight_hr" + sfx, Init.Uniform([projSize, hiddenSize], -bound, bound, generator)));
                weights[layer * Directions + dir] = [.. list];
            }
    }

    internal static int GateCount(RnnMode mode) => mode switch { RnnMode.Lstm => 4, RnnMode.Gru => 3, _ => 1 };

    /// <summary>The output sequence only.</summary>
    public override Tensor Forward(Tensor input)
    {
        var (output, h, c) = Run(input, null, null, null);
        h.Dispose(); c?.Dispose();
        return output;
    }

    /// <summary>Sequence lengths from an Int64 (or Int32) tensor of shape [N], as pack_padded_sequence takes them.</summary>
    private protected int[] Lengths(Tensor lengths)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        if (lengths.Rank != 1 || lengths.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{Name}: lengths must be a 1-d Int64 tensor, got {lengths.DType} of shape {Shapes.Format(lengths.Shape)}.");
        return lengths.DType == DType.Int64 ? lengths.ToArray<long>().Select(l => (int)Math.Clamp(l, int.MinValue, int.MaxValue)).ToArray() : lengths.ToArray<int>();
    }

    /// <summary>Runs every layer and direction; h0 and c0 may be null (zeros), lengths null (all sequences full).</summary>
    private protected (Tensor Output, Tensor H, Tensor? C) Run(Tensor input, Tensor? h0, Tensor? c0, int[]? lengths)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool lstm = mode == RnnMode.Lstm;
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"{Name}: expected a 3-d input {(BatchFirst ? "[N, T, I]" : "[T, N, I]")} or an unbatched [T, I], got shape {Shapes.Format(input.Shape)}.");
        if (input.Shape[^1] != InputSize)
            throw new ArgumentException($"{Name}: input of shape {Shapes.Format(input.Shape)} has {input.Shape[^1]} features; expected inputSize {InputSize}.");
        bool batched = input.Rank == 3;
        using var x = !batched ? input.Unsqueeze(1) : BatchFirst ? input.Transpose(0, 1) : Same(input);
        int steps = x.Shape[0], n = x.Shape[1], stateLayers = NumLayers * Directions;
        int[] hShape = batched ? [stateLayers, n, OutSize] : [stateLayers, OutSize];
        int[] cShape = batched ? [stateLayers, n, HiddenSize] : [stateLayers, HiddenSize];
        if (h0 is not null && !Shapes.SameShape(h0.Shape, hShape))
            throw new ArgumentException($"{Name}: h0 has shape {Shapes.Format(h0.Shape)} but the input {Shapes.Format(input.Shape)} needs {Shapes.Format(hShape)} (layers·directions, {(batched ? "batch, " : "")}{(ProjSize > 0 ? "projSize" : "hidden")}).");
        if (lstm && c0 is not null && !Shapes.SameShape(c0.Shape, cShape))
            throw new ArgumentException($"{Name}: c0 has shape {Shapes.Format(c0.Shape)} but the input {Shapes.Format(input.Shape)} needs {Shapes.Format(cShape)} (layers·directions, {(batched ? "batch, " : "")}hidden).");
        if (lengths is not null)
        {
            if (lengths.Length != n) throw new ArgumentException($"{Name}: {lengths.Length} lengths given for a batch of {n} sequences.");
            foreach (var l in lengths)
                if (l < 1 || l > steps) throw new ArgumentException($"{Name}: every sequence length must lie in [1, {steps}] (the input has {steps} steps), got {l}.");
        }
        using var h0b = h0 is null ? null : batched ? Same(h0) : h0.Unsqueeze(1);
        using var c0b = c0 is null ? null : batched ? Same(c0) : c0.Unsqueeze(1);

        var dtype = DTypes.Promote(input.DType, weights[0][0].DType);
        var hs = new Tensor[stateLayers];
        var cs = lstm ? new Tensor[stateLayers] : null;
        Tensor layerInput = Same(x);
        try
        {
            for (int layer = 0; layer < NumLayers; layer++)
            {
                var outs = new Tensor[Directions];
                for (int dir = 0; dir < Directions; dir++)
                {
                    int k = layer * Directions + dir;
                    var w = weights[k];
                    using var h = h0b?.Select(0, k) ?? Tensor.Zeros([n, OutSize], dtype);
                    using var c = !lstm ? null : c0b?.Select(0, k) ?? Tensor.Zeros([n, HiddenSize], dtype);
                    using var packed = Tensor.RecurrentLayer(mode, layerInput, h, c, w[0], w[1], HasBias ? w[2] : null, HasBias ? w[3] : null,
                        ProjSize > 0 ? w[^1] : null, lengths, reverse: dir == 1, Name);
                    var (o, hn, cn) = Tensor.UnpackRecurrent(packed, steps, n, HiddenSize, OutSize, lstm);
                    outs[dir] = o; hs[k] = hn;
                    if (cs is not null) cs[k] = cn!;
                }
                var next = Directions == 1 ? outs[0] : Tensor.Cat(outs, 2);
                if (Directions > 1) foreach (var o in outs) o.Dispose();
                layerInput.Dispose();
                layerInput = next;
                if (layer < NumLayers - 1 && DropoutP > 0 && Training)
                {
                    var dropped = layerInput.Dropout(DropoutP, true, generator);
                    layerInput.Dispose();
                    layerInput = dropped;
                }
            }
            using var hStack = Tensor.Stack(hs, 0);
            using var cStack = cs is null ? null : Tensor.Stack(cs, 0);
            Tensor output = !batched ? layerInput.Squeeze(1) : BatchFirst ? layerInput.Transpose(0, 1) : Same(layerInput);
            return (output, batched ? Same(hStack) : hStack.Squeeze(1), cStack is null ? null : batched ? Same(cStack) : cStack.Squeeze(1));
        }
        finally
        {
            layerInput.Dispose();
            foreach (var t in hs) t?.Dispose();
            if (cs is not null) foreach (var t in cs) t?.Dispose();
        }
    }

    /// <summary>A new handle on the same tensor, graph included (so the caller can dispose its own).</summary>
    static Tensor Same(Tensor t) => t.Reshape(t.Shape);

    public override string ExtraRepr()
    {
        var parts = new List<string> { $"{InputSize}, {HiddenSize}" };
        if (ProjSize > 0) parts.Add($"proj_size={ProjSize}");
        if (NumLayers != 1) parts.Add($"num_layers={NumLayers}");
        if (!HasBias) parts.Add("bias=False");
        if (BatchFirst) parts.Add("batch_first=True");
        if (DropoutP != 0) parts.Add($"dropout={PyFloat(DropoutP)}");
        if (Bidirectional) parts.Add("bidirectional=True");
        return string.Join(", ", parts);
    }
}
