using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// softmax(q·kᵀ·scale + mask)·v as one fused op (torch.nn.functional.scaled_dot_product_attention).
/// The kernel never forms the L × S matrix of weights: forward keeps a running softmax per query row
/// and saves the row's log-sum-exp; backward recomputes the weights block by block from it. Leading
/// (batch, head) dims of q, k and v broadcast against each other, and the mask broadcasts to
/// [..., L, S] without being copied out.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Attention of queries <paramref name="query"/> [..., L, D] over keys [..., S, D] and values [..., S, Dv],
    /// giving [..., L, Dv]. <paramref name="attnMask"/> is Bool (true = take part, as in PyTorch) or an
    /// additive float mask, broadcastable to [..., L, S]. <paramref name="isCausal"/> keeps key j for
    /// query i only when j ≤ i (top-left aligned when L ≠ S). Dropout with probability
    /// <paramref name="dropoutP"/> applies to the weights, drawn from <paramref name="generator"/>.
    /// The scale defaults to 1/√D. A float mask that requires grad (a learned bias, as in T5 or ALiBi)
    /// gets its gradient; that gradient is the one tensor of size L × S the op then makes.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null,
        double dropoutP = 0, bool isCausal = false, double? scale = null, Generator? generator = null)
    {
        const string op = "ScaledDotProductAttention";
        query.Live(op); key.Live(op); value.Live(op); attnMask?.Live(op);
        if (query.Rank < 2 || key.Rank < 2 || value.Rank < 2)
            throw new ArgumentException($"{op}: query, key and value need at least 2 dims ([..., L, D]), got {Shapes.Format(query.shape)}, {Shapes.Format(key.shape)} and {Shapes.Format(value.shape)}.");
        int L = query.shape[^2], S = key.shape[^2], D = query.shape[^1], Dv = value.shape[^1];
        if (key.shape[^1] != D)
            throw new ArgumentException($"{op}: query {Shapes.Format(query.shape)} and key {Shapes.Format(key.shape)} must have the same last dim (the embedding size D).");
        if (value.shape[^2] != S)
            throw new ArgumentException($"{op}: key {Shapes.Format(key.shape)} and value {Shapes.Format(value.shape)} must have the same number of positions (dim -2).");
        if (!(dropoutP >= 0 && dropoutP < 1))
            throw new ArgumentException($"{op}: dropoutP must lie in [0, 1), got {dropoutP}.");
        if (isCausal && attnMask is not null)
            throw new ArgumentException($"{op}: pass either attnMask or isCausal, not both; fold the causal mask into attnMask to combine them.");
        if (scale is { } sc && !double.IsFinite(sc))
            throw new ArgumentException($"{op}: the scale must be finite, got {sc}.");
        var dtype = DTypes.Promote(DTypes.Promote(query.DType, key.DType), value.DType);
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected floating-point query, key and value, got {query.DType}, {key.DType} and {value.DType}.");

        var batch = Shapes.Broadcast(Shapes.Broadcast(query.shape[..^2], key.shape[..^2], op), value.shape[..^2], op);
        int B = (int)Shapes.Count(batch);
        var outShape = (int[])[.. batch, L, Dv];
        if (B == 0 || L == 0 || Dv == 0 || S == 0)
        {
            // No keys: the weights are an empty matrix and the output is zeros, as the explicit formula gives.
            var empty = Zeros(outShape, dtype);
            if (GradMode.ShouldRecord([query, key, value]))
                GradMode.Record(empty, new ZeroAttentionBackward(), query, key, value);
            return empty;
        }

        Tensor q, k, v;
        RowLayout qRows, kRows, vRows;
        using (GradMode.Disable())
        {
            (q, qRows) = Materialise(query, batch, dtype);
            (k, kRows) = Materialise(key, batch, dtype);
            (v, vRows) = Materialise(value, batch, dtype);
        }
        using var mask = attnMask is null ? null : AdditiveMask(attnMask, dtype, op);
        var (o, oRows) = AllocateInOrderOf(q, outShape, dtype);
        var problem = MakeProblem(mask, batch, L, S, D, Dv, scale ?? 1 / Math.Sqrt(D), isCausal, dropoutP, generator, op, qRows, kRows, vRows, oRows);
        var lse = Allocate([B, L], dtype);
        FlashAttentionKernel.Forward(problem, q, k, v, o, lse);
        bool maskGrad = attnMask is not null && attnMask.DType.IsFloatingPoint() && GradMode.ShouldRecord(attnMask);
        if (GradMode.ShouldRecord([query, key, value]) || maskGrad)
        {
            var node = new AttentionBackward(problem, new Saved(q, op), new Saved(k, op), new Saved(v, op), new Saved(o, op), new Saved(lse, op), batch);
            if (maskGrad) GradMode.Record(o, node, query, key, value, attnMask!);
            else GradMode.Record(o, node, query, key, value);
        }
        else problem.Mask?.Dispose();
        q.Dispose(); k.Dispose(); v.Dispose(); lse.Dispose();
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.MatMulOps.ExportAttention(onnx, query, key, value, attnMask, isCausal, scale ?? 1 / Math.Sqrt(D), o);
        return o;
    }

    /// <summary>
    /// t [..., rows, width] broadcast to the batch dims, and where its rows are. Read in place (a view,
    /// broadcast dims with stride 0) when it has the dtype and a contiguous last dim, as heads split
    /// out of one projection have; otherwise copied contiguous.
    /// </summary>
    static (Tensor Values, RowLayout Rows) Materialise(Tensor t, int[] batch, DType dtype)
    {
        int rows = t.shape[^2], width = t.shape[^1];
        using var expanded = t.Expand([.. batch, rows, width]);
        var values = t.DType == dtype && (expanded.strides[^1] == 1 || width == 1) ? expanded.Alias() : expanded.ContiguousInDType(dtype);
        return (values, RowsOf(values, batch));
    }

    /// <summary>Where the rows of a [..batch, rows, width] tensor are, from its strides.</summary>
    static RowLayout RowsOf(Tensor t, int[] batch) => new(BatchOffsets(batch, t.strides), t.strides[^2]);

    /// <summary>
    /// A new tensor of <paramref name="shape"/> ([..., rows, width], like's rank) stored in the order of
    /// like's dims: heads split as [N, H, T, D] out of a [N, T, H·D] projection give an output stored as
    /// [N, T, H, D], which merges back into [N, T, H·D] without a copy, as PyTorch's attention does.
    /// Broadcast (stride-0) dims go outermost; the last dim stays contiguous.
    /// </summary>
    static (Tensor Values, RowLayout Rows) AllocateInOrderOf(Tensor like, int[] shape, DType dtype)
    {
        int lead = shape.Length - 1;
        var order = Enumerable.Range(0, lead).OrderByDescending(d => like.strides[d] == 0 || like.shape[d] == 1 ? long.MaxValue : like.strides[d]).ToArray();
        var inverse = new int[shape.Length];
        for (int i = 0; i < lead; i++) inverse[order[i]] = i;
        inverse[lead] = lead;
        using var stored = Allocate([.. order.Select(d => shape[d]), shape[^1]], dtype);
        using var untraced = Onnx.Export.OnnxTrace.Suppress();   // storage, not a step of the model
        var view = stored.Permute(inverse);
        return (view, RowsOf(view, shape[..^2]));
    }

    /// <summary>The element offset of each flattened batch index, walking the batch dims like an odometer.</summary>
    static long[] BatchOffsets(int[] batch, long[] strides)
    {
        var offsets = new long[Shapes.Count(batch)];
        var index = new int[batch.Length];
        for (long b = 0; b < offsets.Length; b++)
        {
            long off = 0;
            for (int d = 0; d < batch.Length; d++) off += index[d] * strides[d];
            offsets[b] = off;
            for (int d = batch.Length - 1; d >= 0 && ++index[d] == batch[d]; d--) index[d] = 0;
        }
        return offsets;
    }

    /// <summary>The mask as an additive tensor of the compute dtype: Bool true → 0, false → −∞.</summary>
    static Tensor AdditiveMask(Tensor mask, DType dtype, string op)
    {
        if (mask.DType == DType.Bool)
        {
            using var zeros = Zeros(mask.shape, dtype);
            using var keep = mask.LogicalNot();
            using (GradMode.Disable()) return zeros.MaskedFill(keep, double.NegativeInfinity);
        }
        if (!mask.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: attnMask must be Bool (true = attend) or floating point (added to the scores), got {mask.DType}.");
        return mask.ContiguousInDType(dtype);
    }

    static AttentionProblem MakeProblem(Tensor? mask, int[] batch, int L, int S, int D, int Dv, double scale, bool causal,
        double dropoutP, Generator? generator, string op, RowLayout qRows, RowLayout kRows, RowLayout vRows, RowLayout oRows)
    {
        long[] offsets = [];
        long strideL = 0, strideS = 0;
        if (mask is not null)
        {
            int[] full = [.. batch, L, S];
            if (mask.Rank > full.Length)
                throw new ArgumentException($"{op}: attnMask {Shapes.Format(mask.shape)} has more dims than the weights {Shapes.Format(full)}.");
            for (int i = 0; i < mask.Rank; i++)
            {
                int m = mask.shape[i], f = full[full.Length - mask.Rank + i];
                if (m != f && m != 1)
                    throw new ArgumentException($"{op}: attnMask {Shapes.Format(mask.shape)} cannot be broadcast to the weights' shape {Shapes.Format(full)}.");
            }
            var strides = Shapes.BroadcastStrides(mask.shape, mask.strides, full);
            strideL = strides[^2]; strideS = strides[^1];
            offsets = BatchOffsets(batch, strides);
        }
        ulong seed = 0;
        if (dropoutP > 0) { var g = generator ?? Generator.Default; lock (g) seed = g.NextUInt64(); }
        return new AttentionProblem
        {
            B = (int)Shapes.Count(batch), L = L, S = S, D = D, Dv = Dv, Scale = scale, Causal = causal, Q = qRows, K = kRows, V = vRows, O = oRows,
            Mask = mask?.Alias(), MaskBatchOffsets = offsets, MaskStrideL = strideL, MaskStrideS = strideS,
            DropoutP = dropoutP, DropoutSeed = seed,
        };
    }

    /// <summary>Saves q, k, v, the output and the per-row log-sum-exp: all linear in the sequence lengths.</summary>
    sealed class AttentionBackward(AttentionProblem problem, Saved q, Saved k, Saved v, Saved o, Saved lse, int[] batch) : Node
    {
        public override string Name => "ScaledDotProductAttentionBackward";

        protected internal override Tensor?[] Backward(Tensor g)
        {
            var qv = q.Value; var kv = k.Value; var vv = v.Value; var ov = o.Value;
            // dO is read in place like q, k and v; the gradients are stored in the order of their inputs,
            // so heads split from one projection get gradients that merge back without a copy.
            var (dO, dORows) = Materialise(g, batch, ov.DType);
            using var dOValues = dO;
            var (dq, dqRows) = NeedsInputGrad(0) ? AllocateInOrderOf(qv, qv.shape, qv.DType) : (null, problem.Q);
            var (dk, dkRows) = NeedsInputGrad(1) ? AllocateInOrderOf(kv, kv.shape, kv.DType) : (null, problem.K);
            var (dv, dvRows) = NeedsInputGrad(2) ? AllocateInOrderOf(vv, vv.shape, vv.DType) : (null, problem.V);
            // The mask's gradient has the weights' full shape; the engine sums it down to the mask's own.
            var dMask = NeedsInputGrad(3) ? Zeros([.. batch, problem.L, problem.S], ov.DType) : null;
            FlashAttentionKernel.Backward(problem, qv, kv, vv, ov, lse.Value, dO, dq, dk, dv, new GradientLayout(dORows, dqRows, dkRows, dvRows), dMask);
            return dMask is null ? [dq, dk, dv] : [dq, dk, dv, dMask];
        }

        protected override void ReleaseSaved()
        {
            q.Release(); k.Release(); v.Release(); o.Release(); lse.Release();
            problem.Mask?.Dispose();
        }
    }

    /// <summary>With no keys (or no queries) the output does not depend on the inputs: their gradients are zeros.</summary>
    sealed class ZeroAttentionBackward : Node
    {
        public override string Name => "ScaledDotProductAttentionBackward";
        protected internal override Tensor?[] Backward(Tensor g)
            => [.. Enumerable.Range(0, 3).Select(i => NeedsInputGrad(i) ? Zeros(InputShapes[i], InputDTypes[i]) : null)];
    }
}
