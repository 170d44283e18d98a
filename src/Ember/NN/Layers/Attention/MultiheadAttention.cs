namespace Ember.NN;

/// <summary>
/// Multi-head attention, PyTorch's nn.MultiheadAttention: q, k and v are projected by in_proj_weight
/// [3E, E] (or, when kdim/vdim differ from E, by q_proj_weight, k_proj_weight and v_proj_weight) and
/// in_proj_bias [3E], split into numHeads heads of E/numHeads, attended with the fused
/// scaled-dot-product kernel and joined by out_proj. Inputs are [L, N, E] ([N, L, E] with batchFirst)
/// or unbatched [L, E]. Initialisation follows PyTorch: xavier_uniform on the input projections, zero
/// biases, out_proj as a Linear with its bias zeroed.
/// </summary>
public sealed class MultiheadAttention : Module<Tensor, Tensor>
{
    public int EmbedDim { get; }
    public int KDim { get; }
    public int VDim { get; }
    public int NumHeads { get; }
    public int HeadDim { get; }
    public double Dropout { get; }
    public bool BatchFirst { get; }
    public Parameter? InProjWeight { get; }
    public Parameter? QProjWeight { get; }
    public Parameter? KProjWeight { get; }
    public Parameter? VProjWeight { get; }
    public Parameter? InProjBias { get; }
    public Linear OutProj { get; }
    readonly Generator? generator;

    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool batchFirst = false,
        int? kdim = null, int? vdim = null, Generator? generator = null)
    {
        if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0)
            throw new ArgumentException($"MultiheadAttention: embedDim ({embedDim}) must be positive and divisible by numHeads ({numHeads}).");
        if (!(dropout >= 0 && dropout < 1))
            throw new ArgumentException($"MultiheadAttention: dropout must lie in [0, 1), got {dropout}.");
        (EmbedDim, NumHeads, HeadDim, Dropout, BatchFirst) = (embedDim, numHeads, embedDim / numHeads, dropout, batchFirst);
        (KDim, VDim) = (kdim ?? embedDim, vdim ?? embedDim);
        if (KDim <= 0 || VDim <= 0)
            throw new ArgumentException($"MultiheadAttention: kdim ({KDim}) and vdim ({VDim}) must be positive.");
        this.generator = generator;
        // PyTorch's registration order: the projection weights, the bias, then out_proj.
        if (KDim == embedDim && VDim == embedDim)
        {
            InProjWeight = Param("in_proj_weight", Init.XavierUniform(Tensor.Empty(3 * embedDim, embedDim), generator: generator));
            NoParam("q_proj_weight"); NoParam("k_proj_weight"); NoParam("v_proj_weight");
        }
        else
        {
            NoParam("in_proj_weight");
            QProjWeight = Param("q_proj_weight", Init.XavierUniform(Tensor.Empty(embedDim, embedDim), generator: generator));
            KProjWeight = Param("k_proj_weight", Init.XavierUniform(Tensor.Empty(embedDim, KDim), generator: generator));
            VProjWeight = Param("v_proj_weight", Init.XavierUniform(Tensor.Empty(embedDim, VDim), generator: generator));
        }
        if (bias) InProjBias = Param("in_proj_bias", Tensor.Zeros(3 * embedDim));
        else NoParam("in_proj_bias");
        OutProj = Child("out_proj", new Linear(embedDim, embedDim, bias, generator));
        if (OutProj.Bias is { } ob) Init.Zeros(ob);
    }

    /// <summary>Self-attention: Forward(x, x, x).Output.</summary>
    public override Tensor Forward(Tensor input)
    {
        var (output, weights) = Forward(input, input, input);
        weights?.Dispose();
        return output;
    }

    /// <summary>
    /// Attention of <paramref name="query"/> over <paramref name="key"/>/<paramref name="value"/>.
    /// <paramref name="attnMask"/> is [L, S] or [N·numHeads, L, S], additive (−∞ masks), or Bool where
    /// true masks a position (PyTorch's MultiheadAttention convention).
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, bool needWeights = false)
        => Forward(query, key, value, attnMask, keyPaddingMask: null, needWeights);

    /// <summary>
    /// The full form: <paramref name="keyPaddingMask"/> [N, S] (or [S] unbatched) masks keys per batch
    /// element (Bool true = ignore, or additive). With needWeights the weights are returned, averaged
    /// over heads ([N, L, S]) unless <paramref name="averageAttnWeights"/> is false ([N, H, L, S]).
    /// </summary>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask, Tensor? keyPaddingMask,
        bool needWeights = false, bool averageAttnWeights = true, bool isCausal = false)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool batched = query.Rank == 3;
        if (query.Rank is not (2 or 3) || key.Rank != query.Rank || value.Rank != query.Rank)
            throw new ArgumentException($"MultiheadAttention: expected query, key and value all 3-d ({(BatchFirst ? "[N, L, E]" : "[L, N, E]")}) or all 2-d ([L, E]), got {Shapes.Format(query.Shape)}, {Shapes.Format(key.Shape)} and {Shapes.Format(value.Shape)}.");
        // Work batch-first: [N, L, E]; unbatched inputs get N = 1.
        using var q3 = ToBatchFirst(query, batched);
        using var k3 = ToBatchFirst(key, batched);
        using var v3 = ToBatchFirst(value, batched);
        int n = q3.Shape[0], l = q3.Shape[1], s = k3.Shape[1];
        if (q3.Shape[2] != EmbedDim || k3.Shape[2] != KDim || v3.Shape[2] != VDim)
            throw new ArgumentException($"MultiheadAttention: query, key and value must have {EmbedDim}, {KDim} and {VDim} features, got {Shapes.Format(query.Shape)}, {Shapes.Format(key.Shape)} and {Shapes.Format(value.Shape)}.");
        if (k3.Shape[0] != n || v3.Shape[0] != n || v3.Shape[1] != s)
            throw new ArgumentException($"MultiheadAttention: query {Shapes.Format(query.Shape)}, key {Shapes.Format(key.Shape)} and value {Shapes.Format(value.Shape)} disagree on the batch size or the key length.");

        using var qh = Project(q3, 0, n, l);
        using var kh = Project(k3, 1, n, s);
        using var vh = Project(v3, 2, n, s);
        var combined = CombinedMask(attnMask, keyPaddingMask, n, l, s, batched, qh.DType);
        // Causality goes to the kernel as a flag (whole blocks skipped) unless it must join other masks.
        bool causalFlag = isCausal && combined is null && !needWeights;
        if (isCausal && !causalFlag)
        {
            using var causal = CausalMask(l, s, qh.DType);
            using var old = combined;
            combined = old is null ? causal.Reshape(1, 1, l, s) : old + causal;
        }
        using var mask = combined;
        double p = Training ? Dropout : 0;
        Tensor? weights = null;
        Tensor attended;
        if (needWeights)
        {
            // The explicit path, as PyTorch takes when the weights are asked for.
            using var kt = kh.Transpose(-2, -1);
            using var raw = qh.MatMul(kt);
            using var scores = raw * (1 / Math.Sqrt(HeadDim));
            using var masked = mask is null ? scores.Reshape(scores.Shape) : scores + mask;
            using var probs = masked.Softmax(-1);
            using var dropped = p > 0 ? probs.Dropout(p, true, generator) : probs.Reshape(probs.Shape);
            attended = dropped.MatMul(vh);
            weights = averageAttnWeights ? dropped.Mean(1) : dropped.Reshape(dropped.Shape);
            if (!batched) { using var w = weights; weights = w.Squeeze(0); }
        }
        else attended = Tensor.ScaledDotProductAttention(qh, kh, vh, mask, p, causalFlag, null, generator);

        // [N, H, L, hd] → [N, L, E] → out_proj → the caller's layout.
        using (attended)
        {
            using var joined = attended.Permute(0, 2, 1, 3);
            using var flat = joined.Reshape(n, l, EmbedDim);
            using var projected = OutProj.Forward(flat);
            if (!batched) return (projected.Squeeze(0), weights);
            if (BatchFirst) return (projected.Reshape(projected.Shape), weights);
            using var seqFirst = projected.Transpose(0, 1);
            return (seqFirst.Contiguous(), weights);
        }
    }

    Tensor ToBatchFirst(Tensor x, bool batched)
        => !batched ? x.Unsqueeze(0) : BatchFirst ? x.Reshape(x.Shape) : x.Transpose(0, 1);

    /// <summary>Projection <paramref name="which"/> (0 = q, 1 = k, 2 = v) of x [N, T, ·], split into heads: [N, H, T, hd].</summary>
    Tensor Project(Tensor x, int which, int n, int t)
    {
        using var bias = InProjBias?.Narrow(0, which * EmbedDim, EmbedDim);
        using var weight = InProjWeight is not null ? InProjWeight.Narrow(0, which * EmbedDim, EmbedDim)
            : (which == 0 ? QProjWeight! : which == 1 ? KProjWeight! : VProjWeight!).Reshape(-1, which == 0 ? EmbedDim : which == 1 ? KDim : VDim);
        using var y = Functional.Linear(x, weight, bias);
        using var heads = y.Reshape(n, t, NumHeads, HeadDim);
        return heads.Permute(0, 2, 1, 3);
    }

    /// <summary>attnMask and keyPaddingMask as one additive mask broadcastable to [N, H, L, S], or null.</summary>
    Tensor? CombinedMask(Tensor? attnMask, Tensor? keyPaddingMask, int n, int l, int s, bool batched, DType dtype)
    {
        Tensor? combined = null;
        if (attnMask is not null)
        {
            using var additive = Additive(attnMask, dtype, "attnMask");
            if (attnMask.Rank == 2)
            {
                if (attnMask.Shape[0] != l || attnMask.Shape[1] != s)
                    throw new ArgumentException($"MultiheadAttention: a 2-d attnMask must be [{l}, {s}] (L, S), got {Shapes.Format(attnMask.Shape)}.");
                combined = additive.Reshape(1, 1, l, s);
            }
            else if (attnMask.Rank == 3)
            {
                if (attnMask.Shape[0] != n * NumHeads || attnMask.Shape[1] != l || attnMask.Shape[2] != s)
                    throw new ArgumentException($"MultiheadAttention: a 3-d attnMask must be [{n * NumHeads}, {l}, {s}] (N·numHeads, L, S), got {Shapes.Format(attnMask.Shape)}.");
                combined = additive.Reshape(n, NumHeads, l, s);
            }
            else throw new ArgumentException($"MultiheadAttention: attnMask must be 2-d [L, S] or 3-d [N·numHeads, L, S], got {Shapes.Format(attnMask.Shape)}.");
        }
        if (keyPaddingMask is not null)
        {
            int[] want = batched ? [n, s] : [s];
            if (!keyPaddingMask.Shape.AsSpan().SequenceEqual(want))
                throw new ArgumentException($"MultiheadAttention: keyPaddingMask must be {Shapes.Format(want)}, got {Shapes.Format(keyPaddingMask.Shape)}.");
            using var additive = Additive(keyPaddingMask, dtype, "keyPaddingMask");
            using var padding = additive.Reshape(n, 1, 1, s);
            if (combined is null) combined = padding.Reshape(padding.Shape);
            else { using var old = combined; combined = old + padding; }
        }
        return combined;
    }

    /// <summary>A Bool mask (true = masked) as 0/−∞ in dtype; a float mask as is.</summary>
    static Tensor Additive(Tensor mask, DType dtype, string name)
    {
        if (mask.DType == DType.Bool)
        {
            using var zeros = Tensor.Zeros(mask.Shape, dtype);
            return zeros.MaskedFill(mask, double.NegativeInfinity);
        }
        if (!mask.DType.IsFloatingPoint())
            throw new ArgumentException($"MultiheadAttention: {name} must be Bool (true = masked) or floating point (additive), got {mask.DType}.");
        return mask.To(dtype);
    }

    /// <summary>0 where j ≤ i and −∞ above: the top-left aligned causal mask [L, S].</summary>
    internal static Tensor CausalMask(int l, int s, DType dtype)
    {
        var values = new double[(long)l * s];
        for (int i = 0; i < l; i++)
            for (int j = i + 1; j < s; j++) values[(long)i * s + j] = double.NegativeInfinity;
        using var m = Tensor.FromArray(values, l, s);
        return m.To(dtype);
    }

    public override string ExtraRepr() => $"embed_dim={EmbedDim}, num_heads={NumHeads}, batch_first={PyBool(BatchFirst)}";
}
