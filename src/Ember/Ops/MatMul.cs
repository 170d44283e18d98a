using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Matrix products with torch.matmul's rules: vectors, matrices, and broadcast batches.</summary>
public partial class Tensor
{
    /// <summary>
    /// torch.matmul: 1-d·1-d is a dot product; a 1-d operand gains a dim for the product and loses it
    /// after; otherwise the last two dims multiply and the leading (batch) dims broadcast.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        Live("MatMul"); other.Live("MatMul");
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul: both operands need at least one dim, got shapes {Shapes.Format(shape)} and {Shapes.Format(other.shape)}.");
        if (Rank == 1 && other.Rank == 1)
        {
            using var row = Unsqueeze(0);
            using var col = other.Unsqueeze(1);
            using var m = row.MatMul(col);
            return m.Reshape();
        }
        if (Rank == 1)
        {
            using var row = Unsqueeze(0);
            using var m = row.MatMul(other);
            return m.Squeeze(-2);
        }
        if (other.Rank == 1)
        {
            using var col = other.Unsqueeze(1);
            using var m = MatMul(col);
            return m.Squeeze(-1);
        }
        return BatchedMatMul(this, other);
    }

    static Tensor BatchedMatMul(Tensor a, Tensor b)
    {
        int m = a.shape[^2], k = a.shape[^1], k2 = b.shape[^2], n = b.shape[^1];
        if (k != k2)
            throw new ArgumentException($"MatMul: cannot multiply {Shapes.Format(a.shape)} by {Shapes.Format(b.shape)}: inner dimensions {k} and {k2} differ.");
        var batch = Shapes.Broadcast(a.shape[..^2], b.shape[..^2], "MatMul (batch dims)");
        var dtype = DTypes.ResultType(a, b);
        var compute = dtype.IsFloatingPoint() ? dtype : DType.Float64; // integer products run exactly in float64
        var y = Allocate([.. batch, m, n], compute);
        using (var ca = a.InDType(compute))
        using (var cb = b.InDType(compute))
            Multiply(ca, cb, batch, m, n, k, y);
        if (compute != dtype)
        {
            var cast = y.To(dtype);
            y.Dispose();
            y = cast;
        }
        if (GradMode.ShouldRecord(a, b))
            GradMode.Record(y, new MatMulBackward(b.RequiresGrad ? new Saved(a, "MatMul") : null, a.RequiresGrad ? new Saved(b, "MatMul") : null), a, b);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.MatMulOps.ExportMatMul(onnx, a, b, y);
        return y;
    }

    /// <summary>How a batch of matrices is passed to GEMM without copying when the layout allows.</summary>
    readonly record struct MatrixOperand(Tensor Data, bool Transposed, int Ld, long BatchStride) : IDisposable
    {
        public void Dispose() => Data.Dispose();

        public static MatrixOperand Of(Tensor t, int[] batch)
        {
            int rows = t.shape[^2], cols = t.shape[^1];
            long batchCount = Shapes.Count(batch);
            long tBatch = Shapes.Count(t.shape[..^2]);
            // One matrix shared by the whole batch: stride 0.
            if (tBatch == 1)
            {
                var mat = t.Reshape(rows, cols);
                if (TryLayout(mat, rows, cols, out bool tr, out int ld)) return new(mat, tr, ld, 0);
                var c = mat.ContiguousCopy(); mat.Dispose();
                return new(c, false, Math.Max(cols, 1), 0);
            }
            // A full batch whose matrices sit at a uniform stride (e.g. contiguous, or a transposed view).
            if (tBatch == batchCount && Shapes.SameShape(t.shape[..^2], batch) && UniformBatchStride(t, out long stride) && TryLayout(t, rows, cols, out bool tr2, out int ld2))
                return new(t.Alias(), tr2, ld2, stride);
            using var expanded = t.Expand([.. batch, rows, cols]);
            return new(expanded.ContiguousCopy(), false, Math.Max(cols, 1), (long)rows * cols);
        }

        static bool TryLayout(Tensor t, int rows, int cols, out bool transposed, out int ld)
        {
            long rs = t.strides[^2], cs = t.strides[^1];
            if ((cs == 1 || cols == 1) && rs >= cols && rs <= int.MaxValue) { transposed = false; ld = (int)Math.Max(rs, 1); return true; }
            if ((rs == 1 || rows == 1) && cs >= rows && cs <= int.MaxValue) { transposed = true; ld = (int)Math.Max(cs, 1); return true; }
            transposed = false; ld = 0;
            return false;
        }

        static bool UniformBatchStride(Tensor t, out long stride)
        {
            stride = 0;
            int r = t.Rank - 2;
            if (r == 0) return true;
            stride = t.strides[r - 1];
            long expect = stride;
            for (int d = r - 1; d >= 0; d--)
            {
                if (t.shape[d] != 1 && t.strides[d] != expect) return false;
                expect *= t.shape[d];
            }
            return true;
        }
    }

    static unsafe void Multiply(Tensor a, Tensor b, int[] batch, int m, int n, int k, Tensor y)
    {
        if (y.NumElements == 0) return;
        int count = (int)Shapes.Count(batch);
        if (k == 0) { y.FillRaw(0); return; }
        FlopCounter.Add((long)count * m * n * k);
        using var oa = MatrixOperand.Of(a, batch);
        using var ob = MatrixOperand.Of(b, batch);
        if (y.DType == DType.Float32)
            Gemm.Batched(count, oa.Transposed, ob.Transposed, m, n, k, 1f, (float*)oa.Data.DataPointer, oa.Ld, oa.BatchStride,
                (float*)ob.Data.DataPointer, ob.Ld, ob.BatchStride, 0f, (float*)y.DataPointer, n, (long)m * n);
        else
            Gemm.Batched(count, oa.Transposed, ob.Transposed, m, n, k, 1.0, (double*)oa.Data.DataPointer, oa.Ld, oa.BatchStride,
                (double*)ob.Data.DataPointer, ob.Ld, ob.BatchStride, 0.0, (double*)y.DataPointer, n, (long)m * n);
    }

    /// <summary>dA = g·Bᵀ, dB = Aᵀ·g; broadcast batch dims are summed away by the engine.</summary>
    sealed class MatMulBackward(Saved? a, Saved? b) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            Tensor? ga = null, gb = null;
            if (b is not null) { using var bt = b.Value.Transpose(-1, -2); ga = g.MatMul(bt); }
            if (a is not null) { using var at = a.Value.Transpose(-1, -2); gb = at.MatMul(g); }
            return [ga, gb];
        }
        protected override void ReleaseSaved() { a?.Release(); b?.Release(); }
    }
}
