using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// Fused scaled-dot-product attention in the FlashAttention style. Forward walks blocks of queries
/// against blocks of keys with a running maximum and sum per query row (online softmax), so only a
/// QueryBlock × KeyBlock tile of scores exists at a time; tiles above the causal diagonal are skipped
/// whole. It stores the output and the per-row log-sum-exp. Backward recomputes each tile of
/// probabilities from that log-sum-exp (memory linear in the sequence lengths). With many batch × head
/// slices each thread takes whole slices and gets dq, dk and dv from one pass over the tiles; with few,
/// two passes (one per key block for dk and dv, one per query block for dq) spread one slice over the
/// threads. Either way no two threads write the same row, and both add the same tile products in the
/// same order, so the result does not depend on the thread count.
/// </summary>
/// <remarks>
/// The tile products (q·kᵀ, p·v, dO·vᵀ, pᵀ·dO, dSᵀ·q, dS·k) run on the single-threaded GEMM, which
/// reads its operands transposed in place; the row work between them (mask, exp, rescaling) runs on
/// TensorPrimitives. Threads come from the (batch × head, block) loop around the tiles.
/// </remarks>
internal static unsafe class FlashAttentionKernel
{
    public const int QueryBlock = 128;
    public const int KeyBlock = 128;

    /// <summary>o [B, L, Dv] (rows where p.O says) and lse [B, L] from q, k, v.</summary>
    public static void Forward(AttentionProblem p, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse)
    {
        var kernel = new ForwardKernel { P = p, Q = q, K = k, V = v, O = o, Lse = lse };
        Dispatch.Float(o.DType, ref kernel, "ScaledDotProductAttention");
    }

    /// <summary>
    /// Gradients from dO, given the forward's o and lse; any of dq, dk, dv may be null when not needed.
    /// dMask [B, L, S], when given, receives the gradient of the additive mask (dS itself): the one
    /// output that is as large as the weights, made only when a mask asks for a gradient.
    /// </summary>
    public static void Backward(AttentionProblem p, Tensor q, Tensor k, Tensor v, Tensor o, Tensor lse, Tensor dO,
        Tensor? dq, Tensor? dk, Tensor? dv, GradientLayout rows, Tensor? dMask = null)
    {
        var kernel = new BackwardKernel { P = p, Q = q, K = k, V = v, O = o, Lse = lse, DO = dO, DQ = dq, DK = dk, DV = dv, DMask = dMask, Rows = rows };
        Dispatch.Float(o.DType, ref kernel, "ScaledDotProductAttentionBackward");
    }

    static int Blocks(int n, int block) => (n + block - 1) / block;

    /// <summary>Zeroes <paramref name="rows"/> rows of <paramref name="width"/> elements, <paramref name="stride"/> apart.</summary>
    static void ClearRows<T>(T* first, int rows, int width, nint stride) where T : unmanaged
    {
        if (stride == width) { new Span<T>(first, rows * width).Clear(); return; }
        for (int r = 0; r < rows; r++) new Span<T>(first + r * stride, width).Clear();
    }

    /// <summary>Per-thread scratch: two QueryBlock × KeyBlock tiles, a row of KeyBlock and a free area.</summary>
    sealed class Scratch<T> : IDisposable where T : unmanaged
    {
        const int Tile = QueryBlock * KeyBlock;
        readonly T[] buffer;
        public Scratch(int extra) => buffer = ArrayPool<T>.Shared.Rent(2 * Tile + KeyBlock + extra);
        public Span<T> S => buffer.AsSpan(0, Tile);
        public Span<T> DP => buffer.AsSpan(Tile, Tile);
        public Span<T> Z => buffer.AsSpan(2 * Tile, KeyBlock);
        public Span<T> Extra(int length) => buffer.AsSpan(2 * Tile + KeyBlock, length);
        public void Dispose() => ArrayPool<T>.Shared.Return(buffer);
    }

    /// <summary>
    /// The score tile for queries i0 + [0, rows) and keys j0 + [0, n): s = scale·q·kᵀ + mask. Row r
    /// lives at s[r·KeyBlock ..]; only its first <see cref="Visible"/> entries count (the rest lie above
    /// the causal diagonal), and the row work reads no further.
    /// </summary>
    static void ScoreTile<T>(AttentionProblem p, int b, int i0, int rows, int j0, int n, T* q, T* k, T* mask, T* s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* qi = q + p.Q.Row(b, i0), kj = k + p.K.Row(b, j0);
        Gemm.Run(1, false, true, rows, n, p.D, T.CreateChecked(p.Scale), qi, p.Q.RowStride, kj, p.K.RowStride, T.Zero, s, KeyBlock);
        if (mask is null) return;
        for (int r = 0; r < rows; r++)
        {
            var row = new Span<T>(s + r * KeyBlock, n);
            T* m = mask + p.MaskBatchOffsets[b] + (i0 + r) * p.MaskStrideL + j0 * p.MaskStrideS;
            if (p.MaskStrideS == 1) TensorPrimitives.Add(row, new ReadOnlySpan<T>(m, n), row);
            else for (int jj = 0; jj < n; jj++) row[jj] += m[jj * p.MaskStrideS];
        }
    }

    /// <summary>How many of keys j0 + [0, n) query i sees: all of them, or those up to the causal diagonal.</summary>
    static int Visible(AttentionProblem p, int i, int j0, int n) => Math.Clamp(p.KeyEnd(i) - j0, 0, n);

    /// <summary>z[jj] = 1/(1−p) where weight (b, i, j0 + jj) survives dropout, else 0.</summary>
    static void DropoutRow<T>(AttentionProblem p, int b, int i, int j0, Span<T> z) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T keep = T.CreateChecked(1 / (1 - p.DropoutP));
        for (int jj = 0; jj < z.Length; jj++) z[jj] = p.Keep(b, i, j0 + jj) ? keep : T.Zero;
    }

    struct ForwardKernel : IFloatKernel
    {
        public AttentionProblem P; public Tensor Q, K, V, O, Lse;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p = P;
            T* q = (T*)Q.DataPointer, k = (T*)K.DataPointer, v = (T*)V.DataPointer, o = (T*)O.DataPointer, lse = (T*)Lse.DataPointer;
            T* mask = p.Mask is null ? null : (T*)p.Mask.DataPointer;
            int qBlocks = Blocks(p.L, QueryBlock);
            long cost = (long)QueryBlock * p.S * (p.D + p.Dv) * 2;
            Parallelism.For((long)p.B * qBlocks, cost, (start, end) =>
            {
                using var scratch = new Scratch<T>(QueryBlock * (p.Dv + 2));
                for (long t = start; t < end; t++)
                    ForwardBlock(p, (int)(t / qBlocks), (int)(t % qBlocks) * QueryBlock, q, k, v, mask, o, lse, scratch);
            });
        }
    }

    static void ForwardBlock<T>(AttentionProblem p, int b, int i0, T* q, T* k, T* v, T* mask, T* o, T* lse, Scratch<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int dv = p.Dv, rows = Math.Min(QueryBlock, p.L - i0);
        var extra = scratch.Extra(QueryBlock * (dv + 2));
        var acc = extra[..(rows * dv)];
        var max = extra.Slice(QueryBlock * dv, rows);
        var sum = extra.Slice(QueryBlock * dv + QueryBlock, rows);
        acc.Clear();
        max.Fill(T.NegativeInfinity);
        sum.Clear();
        fixed (T* s = scratch.S, accP = acc)
        {
            for (int j0 = 0; j0 < p.S; j0 += KeyBlock)
            {
                if (p.Causal && j0 > i0 + rows - 1) break; // this and every later tile lies above the diagonal
                int n = Math.Min(KeyBlock, p.S - j0);
                ScoreTile(p, b, i0, rows, j0, n, q, k, mask, s);
                for (int r = 0; r < rows; r++)
                {
                    var tile = new Span<T>(s + r * KeyBlock, n);
                    int visible = Visible(p, i0 + r, j0, n);
                    var row = tile[..visible];
                    tile[visible..].Clear();   // keys above the diagonal get weight 0 in p·v
                    T m = visible == 0 ? max[r] : T.Max(max[r], TensorPrimitives.Max((ReadOnlySpan<T>)row));
                    if (T.IsNegativeInfinity(m)) { row.Clear(); continue; } // every key so far is masked
                    // exp(row − m) and its sum in one pass; acc and sum so far were scaled to the old max.
                    T rowSum = SoftmaxKernel.ExpShiftedSum((ReadOnlySpan<T>)row, m, row, store: true);
                    if (T.IsNegativeInfinity(max[r])) sum[r] = rowSum; // first keys this row sees: acc is still 0
                    else
                    {
                        T alpha = T.Exp(max[r] - m);
                        sum[r] = alpha * sum[r] + rowSum;
                        if (alpha != T.One) TensorPrimitives.Multiply(acc.Slice(r * dv, dv), alpha, acc.Slice(r * dv, dv));
                    }
                    max[r] = m;
                    if (p.DropoutP > 0)
                    {
                        var z = scratch.Z[..n];
                        DropoutRow(p, b, i0 + r, j0, z);
                        TensorPrimitives.Multiply(row, z, row);
                    }
                }
                // acc += p·v over the tile.
                Gemm.Run(1, false, false, rows, dv, n, T.One, s, KeyBlock, v + p.V.Row(b, j0), p.V.RowStride, T.One, accP, dv);
            }
        }
        for (int r = 0; r < rows; r++)
        {
            int i = i0 + r;
            // A row whose keys are all masked has sum 0: 0/0 gives NaN, as softmax over all −∞ does.
            TensorPrimitives.Divide(acc.Slice(r * dv, dv), sum[r], new Span<T>(o + p.O.Row(b, i), dv));
            lse[(long)b * p.L + i] = max[r] + T.Log(sum[r]);
        }
    }

    struct BackwardKernel : IFloatKernel
    {
        public AttentionProblem P; public Tensor Q, K, V, O, Lse, DO; public Tensor? DQ, DK, DV, DMask;
        public GradientLayout Rows;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            var p = P;
            T* q = (T*)Q.DataPointer, k = (T*)K.DataPointer, v = (T*)V.DataPointer, o = (T*)O.DataPointer;
            T* lse = (T*)Lse.DataPointer, dO = (T*)DO.DataPointer;
            T* mask = p.Mask is null ? null : (T*)p.Mask.DataPointer;
            T* dq = DQ is null ? null : (T*)DQ.DataPointer, dk = DK is null ? null : (T*)DK.DataPointer, dv = DV is null ? null : (T*)DV.DataPointer;
            T* dMask = DMask is null ? null : (T*)DMask.DataPointer;

            // delta_i = dO_i · O_i = Σ_j P_ij·dP_ij, the row term of softmax's backward.
            var delta = new T[(long)p.B * p.L];
            var rows = Rows;
            Parallelism.For((long)p.B * p.L, p.Dv, (s, e) =>
            {
                for (long r = s; r < e; r++)
                {
                    int b = (int)(r / p.L), i = (int)(r % p.L);
                    delta[r] = TensorPrimitives.Dot(new ReadOnlySpan<T>(dO + rows.DO.Row(b, i), p.Dv), new ReadOnlySpan<T>(o + p.O.Row(b, i), p.Dv));
                }
            });
            var g = new Grads<T> { Q = q, K = k, V = v, Mask = mask, Lse = lse, DO = dO, Delta = delta, DQ = dq, DK = dk, DV = dv, DMask = dMask, Rows = rows };

            long cost = (long)KeyBlock * p.L * (p.D + p.Dv) * 3;
            if (dq is not null && dk is not null && dv is not null && p.B >= 4 * Threading.NumThreads)
            {
                // Enough batch × head slices to keep every thread busy: one thread owns a whole slice and
                // accumulates dq in the same pass as dk and dv, so each tile is recomputed once, not twice.
                Parallelism.For(p.B, cost * Blocks(p.S, KeyBlock), (s, e) =>
                {
                    using var scratch = new Scratch<T>(0);
                    for (long b = s; b < e; b++) SliceGrad(p, (int)b, g, scratch);
                });
                return;
            }
            if (dk is not null || dv is not null || dMask is not null)
            {
                int kBlocks = Blocks(p.S, KeyBlock);
                Parallelism.For((long)p.B * kBlocks, cost, (s, e) =>
                {
                    using var scratch = new Scratch<T>(0);
                    for (long t = s; t < e; t++) KeyValueGradBlock(p, (int)(t / kBlocks), (int)(t % kBlocks) * KeyBlock, g, scratch);
                });
            }
            if (dq is not null)
            {
                int qBlocks = Blocks(p.L, QueryBlock);
                Parallelism.For((long)p.B * qBlocks, cost, (s, e) =>
                {
                    using var scratch = new Scratch<T>(0);
                    for (long t = s; t < e; t++) QueryGradBlock(p, (int)(t / qBlocks), (int)(t % qBlocks) * QueryBlock, g, scratch);
                });
            }
        }
    }

    /// <summary>The pointers backward reads and writes (outputs null when not wanted).</summary>
    readonly struct Grads<T> where T : unmanaged
    {
        public T* Q { get; init; }
        public T* K { get; init; }
        public T* V { get; init; }
        public T* Mask { get; init; }
        public T* Lse { get; init; }
        public T* DO { get; init; }
        public T[] Delta { get; init; }
        public T* DQ { get; init; }
        public T* DK { get; init; }
        public T* DV { get; init; }
        public T* DMask { get; init; }
        public GradientLayout Rows { get; init; }
    }

    /// <summary>
    /// Recomputes one tile: P = exp(S − lse) into s, then dS = P∘(Z∘dP̃ − delta) into dp (dP̃ = dO·vᵀ)
    /// and the weights after dropout, P∘Z, into s.
    /// </summary>
    static void GradTile<T>(AttentionProblem p, int b, int i0, int rows, int j0, int n, in Grads<T> g, T* s, T* dp, Span<T> z)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ScoreTile(p, b, i0, rows, j0, n, g.Q, g.K, g.Mask, s);
        Gemm.Run(1, false, true, rows, n, p.Dv, T.One, g.DO + g.Rows.DO.Row(b, i0), g.Rows.DO.RowStride, g.V + p.V.Row(b, j0), p.V.RowStride,
            T.Zero, dp, KeyBlock);
        for (int r = 0; r < rows; r++)
        {
            int i = i0 + r, visible = Visible(p, i, j0, n);
            var pr = new Span<T>(s + r * KeyBlock, n);
            var dr = new Span<T>(dp + r * KeyBlock, n);
            // Keys above the diagonal have P = 0, and so dS = 0.
            SoftmaxKernel.ExpShiftedSum((ReadOnlySpan<T>)pr[..visible], g.Lse[(long)b * p.L + i], pr[..visible], store: true);
            pr[visible..].Clear();
            if (p.DropoutP > 0)
            {
                DropoutRow(p, b, i, j0, z[..n]);
                TensorPrimitives.Multiply(dr, z[..n], dr);
            }
            TensorPrimitives.AddMultiply(dr, -g.Delta[(long)b * p.L + i], pr, dr);
            if (p.DropoutP > 0) TensorPrimitives.Multiply(pr, z[..n], pr);
        }
    }

    /// <summary>dk, dv (and the mask's gradient) for keys [j0, j0 + KeyBlock) of batch b, over every query that sees them.</summary>
    static void KeyValueGradBlock<T>(AttentionProblem p, int b, int j0, in Grads<T> g, Scratch<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = p.D, dvn = p.Dv, n = Math.Min(KeyBlock, p.S - j0);
        T* dk = g.DK is null ? null : g.DK + g.Rows.DK.Row(b, j0);
        T* dv = g.DV is null ? null : g.DV + g.Rows.DV.Row(b, j0);
        nint ldk = g.Rows.DK.RowStride, ldv = g.Rows.DV.RowStride;
        if (dk is not null) ClearRows(dk, n, d, ldk);
        if (dv is not null) ClearRows(dv, n, dvn, ldv);
        T scale = T.CreateChecked(p.Scale);
        fixed (T* s = scratch.S, dp = scratch.DP)
        {
            // Under causality only queries i ≥ j0 see any key of the block.
            for (int i0 = p.Causal ? j0 / QueryBlock * QueryBlock : 0; i0 < p.L; i0 += QueryBlock)
            {
                int rows = Math.Min(QueryBlock, p.L - i0);
                GradTile(p, b, i0, rows, j0, n, g, s, dp, scratch.Z);
                if (dv is not null)
                    Gemm.Run(1, true, false, n, dvn, rows, T.One, s, KeyBlock, g.DO + g.Rows.DO.Row(b, i0), g.Rows.DO.RowStride, T.One, dv, ldv);
                if (dk is not null)
                    Gemm.Run(1, true, false, n, d, rows, scale, dp, KeyBlock, g.Q + p.Q.Row(b, i0), p.Q.RowStride, T.One, dk, ldk);
                if (g.DMask is not null)
                    for (int r = 0; r < rows; r++)
                        new ReadOnlySpan<T>(dp + r * KeyBlock, n).CopyTo(new Span<T>(g.DMask + ((long)b * p.L + i0 + r) * p.S + j0, n));
            }
        }
    }

    /// <summary>dq, dk and dv (and the mask's gradient) of batch slice b in one pass over its tiles.</summary>
    static void SliceGrad<T>(AttentionProblem p, int b, in Grads<T> g, Scratch<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = p.D, dvn = p.Dv;
        T* dq = g.DQ + g.Rows.DQ.Row(b, 0);
        nint ldq = g.Rows.DQ.RowStride, ldk = g.Rows.DK.RowStride, ldv = g.Rows.DV.RowStride;
        T scale = T.CreateChecked(p.Scale);
        fixed (T* s = scratch.S, dp = scratch.DP)
        {
            // The outputs are not cleared first: each block's first product writes it (beta = 0), which
            // saves a pass over all three. Every query block meets the first key block.
            for (int j0 = 0; j0 < p.S; j0 += KeyBlock)
            {
                int n = Math.Min(KeyBlock, p.S - j0);
                T* dk = g.DK + g.Rows.DK.Row(b, j0), dv = g.DV + g.Rows.DV.Row(b, j0), kj = g.K + p.K.Row(b, j0);
                T dqBeta = j0 == 0 ? T.Zero : T.One, keyBeta = T.Zero;
                int firstQuery = p.Causal ? j0 / QueryBlock * QueryBlock : 0;
                if (firstQuery >= p.L)
                {
                    // No query sees these keys (causal, with more keys than queries).
                    ClearRows(dk, n, d, ldk);
                    ClearRows(dv, n, dvn, ldv);
                }
                for (int i0 = firstQuery; i0 < p.L; i0 += QueryBlock, keyBeta = T.One)
                {
                    int rows = Math.Min(QueryBlock, p.L - i0);
                    GradTile(p, b, i0, rows, j0, n, g, s, dp, scratch.Z);
                    Gemm.Run(1, true, false, n, dvn, rows, T.One, s, KeyBlock, g.DO + g.Rows.DO.Row(b, i0), g.Rows.DO.RowStride, keyBeta, dv, ldv);
                    Gemm.Run(1, true, false, n, d, rows, scale, dp, KeyBlock, g.Q + p.Q.Row(b, i0), p.Q.RowStride, keyBeta, dk, ldk);
                    Gemm.Run(1, false, false, rows, d, n, scale, dp, KeyBlock, kj, p.K.RowStride, dqBeta, dq + i0 * ldq, ldq);
                    if (g.DMask is not null)
                        for (int r = 0; r < rows; r++)
                            new ReadOnlySpan<T>(dp + r * KeyBlock, n).CopyTo(new Span<T>(g.DMask + ((long)b * p.L + i0 + r) * p.S + j0, n));
                }
            }
        }
    }

    /// <summary>dq for queries [i0, i0 + QueryBlock) of batch b.</summary>
    static void QueryGradBlock<T>(AttentionProblem p, int b, int i0, in Grads<T> g, Scratch<T> scratch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int d = p.D, rows = Math.Min(QueryBlock, p.L - i0);
        T* dq = g.DQ + g.Rows.DQ.Row(b, i0);
        nint ldq = g.Rows.DQ.RowStride;
        ClearRows(dq, rows, d, ldq);
        T scale = T.CreateChecked(p.Scale);
        fixed (T* s = scratch.S, dp = scratch.DP)
        {
            for (int j0 = 0; j0 < p.S; j0 += KeyBlock)
            {
                if (p.Causal && j0 > i0 + rows - 1) break;
                int n = Math.Min(KeyBlock, p.S - j0);
                GradTile(p, b, i0, rows, j0, n, g, s, dp, scratch.Z);
                Gemm.Run(1, false, false, rows, d, n, scale, dp, KeyBlock, g.K + p.K.Row(b, j0), p.K.RowStride, T.One, dq, ldq);
            }
        }
    }
}
