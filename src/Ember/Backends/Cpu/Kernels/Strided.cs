namespace Ember.Backends.Cpu;

/// <summary>
/// Walks up to three strided operands over one shape as a sequence of rows: adjacent dims that
/// are contiguous in every operand are merged first, so most tensors become a single long row.
/// </summary>
internal readonly struct RowPlan
{
    public readonly int[] OuterShape;     // dims above the row, after merging
    public readonly long[][] OuterStrides; // per operand
    public readonly int RowLength;
    public readonly long[] RowStrides;     // per operand
    public readonly long Rows;

    public RowPlan(int[] shape, params long[][] strides)
    {
        // Merge dim i into i+1 when, for every operand, stride[i] == stride[i+1] * shape[i+1].
        var dims = new List<int>();
        var st = new List<long[]>();
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            var s = new long[strides.Length];
            for (int k = 0; k < strides.Length; k++) s[k] = strides[k][d];
            if (dims.Count > 0)
            {
                int last = dims.Count - 1;
                bool merge = true;
                for (int k = 0; k < strides.Length && merge; k++) merge = st[last][k] == s[k] * shape[d];
                if (merge) { dims[last] *= shape[d]; st[last] = s; continue; }
            }
            dims.Add(shape[d]);
            st.Add(s);
        }
        if (dims.Count == 0) { dims.Add(Shapes.Count(shape) == 0 ? 0 : 1); st.Add(new long[strides.Length]); }
        RowLength = dims[^1];
        RowStrides = st[^1];
        OuterShape = dims.Take(dims.Count - 1).ToArray();
        OuterStrides = new long[strides.Length][];
        for (int k = 0; k < strides.Length; k++)
        {
            OuterStrides[k] = new long[OuterShape.Length];
            for (int d = 0; d < OuterShape.Length; d++) OuterStrides[k][d] = st[d][k];
        }
        long rows = 1;
        foreach (var d in OuterShape) rows *= d;
        Rows = RowLength == 0 ? 0 : rows;
    }

    /// <summary>Element offsets of row <paramref name="row"/> for each operand.</summary>
    public void RowOffsets(long row, Span<long> offsets)
    {
        offsets.Clear();
        for (int d = OuterShape.Length - 1; d >= 0; d--)
        {
            long i = row % OuterShape[d];
            row /= OuterShape[d];
            for (int k = 0; k < offsets.Length; k++) offsets[k] += i * OuterStrides[k][d];
        }
    }

    /// <summary>Advances offsets from one row to the next (odometer), cheaper than recomputing.</summary>
    public void NextRow(Span<int> index, Span<long> offsets)
    {
        for (int d = OuterShape.Length - 1; d >= 0; d--)
        {
            for (int k = 0; k < offsets.Length; k++) offsets[k] += OuterStrides[k][d];
            if (++index[d] < OuterShape[d]) return;
            for (int k = 0; k < offsets.Length; k++) offsets[k] -= OuterStrides[k][d] * OuterShape[d];
            index[d] = 0;
        }
    }

    public void IndexOfRow(long row, Span<int> index)
    {
        for (int d = OuterShape.Length - 1; d >= 0; d--) { index[d] = (int)(row % OuterShape[d]); row /= OuterShape[d]; }
    }

    /// <summary>
    /// Calls body with each row's element offsets (one per operand) and length, rows split across
    /// threads. With fewer rows than threads (one long row, as a tensor times a scalar makes) each row
    /// is cut into pieces instead, so the work still spreads.
    /// </summary>
    public void ForEachRow(RowBody body)
    {
        var plan = this;
        if (Rows > 0 && Rows < Threading.NumThreads)
        {
            int pieces = (int)Math.Max(1, Parallelism.ChunkCount(Rows * RowLength) / Rows);
            if (pieces > 1)
            {
                Parallelism.For(Rows * pieces, RowLength / pieces, (start, end) =>
                {
                    Span<long> off = stackalloc long[plan.OuterStrides.Length];
                    for (long u = start; u < end; u++)
                    {
                        long row = u / pieces, piece = u % pieces;
                        int c0 = (int)(plan.RowLength * piece / pieces), c1 = (int)(plan.RowLength * (piece + 1) / pieces);
                        plan.RowOffsets(row, off);
                        for (int k = 0; k < off.Length; k++) off[k] += c0 * plan.RowStrides[k];
                        body(off, c1 - c0);
                    }
                });
                return;
            }
        }
        Parallelism.For(Rows, RowLength, (start, end) =>
        {
            Span<long> off = stackalloc long[plan.OuterStrides.Length];
            Span<int> idx = stackalloc int[Math.Max(plan.OuterShape.Length, 1)];
            plan.RowOffsets(start, off);
            plan.IndexOfRow(start, idx);
            for (long r = start; r < end; r++)
            {
                body(off, plan.RowLength);
                plan.NextRow(idx, off);
            }
        });
    }
}

/// <summary>Work on one row (or piece of a row) of a <see cref="RowPlan"/>: each operand's element offset and the elements to do.</summary>
internal delegate void RowBody(ReadOnlySpan<long> offsets, int length);

/// <summary>Copies between layouts: the kernel behind Contiguous, Clone and assignment into views.</summary>
internal static unsafe class StridedCopy
{
    public static void Copy(Tensor src, Tensor dst)
    {
        // dst has src's shape (or src broadcasts to it).
        var srcStrides = Shapes.BroadcastStrides(src.shape, src.strides, dst.shape);
        var plan = new RowPlan(dst.shape, dst.strides, srcStrides);
        int size = src.ElementSize;
        byte* s0 = (byte*)src.DataPointer, d0 = (byte*)dst.DataPointer;
        plan.ForEachRow((off, n) => CopyRow(s0 + off[1] * size, plan.RowStrides[1], d0 + off[0] * size, plan.RowStrides[0], n, size));
    }

    static void CopyRow(byte* s, long ss, byte* d, long ds, int n, int size)
    {
        if (ss == 1 && ds == 1) { Buffer.MemoryCopy(s, d, (long)n * size, (long)n * size); return; }
        switch (size)
        {
            case 4: { var sp = (int*)s; var dp = (int*)d; if (ss == 0 && ds == 1) new Span<int>(dp, n).Fill(*sp); else for (int i = 0; i < n; i++) dp[i * ds] = sp[i * ss]; break; }
            case 8: { var sp = (long*)s; var dp = (long*)d; if (ss == 0 && ds == 1) new Span<long>(dp, n).Fill(*sp); else for (int i = 0; i < n; i++) dp[i * ds] = sp[i * ss]; break; }
            default: for (int i = 0; i < n; i++) d[i * ds] = s[i * ss]; break;
        }
    }
}
