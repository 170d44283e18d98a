using System.Numerics;

namespace Ember;

/// <summary>
/// Embedding lookup: rows of a weight [num, dim] picked by an integer index tensor, and the in-place
/// max-norm renormalisation PyTorch applies to the rows looked up. The gradient adds each output row's
/// gradient into its weight row; the padding row gets none, and with scaleGradByFreq each row's share
/// is divided by how often its index occurs in the batch.
/// </summary>
public partial class Tensor
{
    /// <summary>weight[indices]: the result has shape indices.Shape + [dim].</summary>
    public static Tensor Embedding(Tensor indices, Tensor weight, int? paddingIdx = null, bool scaleGradByFreq = false)
    {
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(weight);
        indices.Live("Embedding"); weight.Live("Embedding");
        if (weight.Rank != 2)
            throw new ArgumentException($"Embedding: the weight must be 2-d [num_embeddings, embedding_dim], got shape {Shapes.Format(weight.shape)}.");
        int num = weight.shape[0], dim = weight.shape[1];
        using var idx = EmbeddingIndices(indices, num, "Embedding");
        int? pad = NormalizePaddingIdx(paddingIdx, num, "Embedding");

        var outShape = new int[indices.Rank + 1];
        indices.shape.CopyTo(outShape, 0);
        outShape[^1] = dim;
        var y = Allocate(outShape, weight.DType);
        using (var w = weight.ContiguousInDType(weight.DType))
            unsafe
            {
                long rowBytes = (long)dim * weight.ElementSize;
                byte* src = (byte*)w.DataPointer, dst = (byte*)y.DataPointer;
                var ix = idx.Span<long>();
                for (int i = 0; i < ix.Length; i++)
                    Buffer.MemoryCopy(src + ix[i] * rowBytes, dst + i * rowBytes, rowBytes, rowBytes);
            }
        if (GradMode.ShouldRecord(weight))
            GradMode.Record(y, new EmbeddingBackward(new Saved(idx, "Embedding"), num, pad, scaleGradByFreq), weight);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.IndexingOps.ExportEmbedding(onnx, weight, indices, y);
        return y;
    }

    /// <summary>
    /// Rescales, in place, each distinct row of this weight named by <paramref name="indices"/> whose
    /// <paramref name="normType"/>-norm exceeds <paramref name="maxNorm"/> to norm maxNorm (PyTorch's
    /// embedding_renorm_: scale maxNorm / (norm + 1e-7)). Not recorded by autograd.
    /// </summary>
    public Tensor EmbeddingRenormInPlace(Tensor indices, double maxNorm, double normType = 2)
    {
        ArgumentNullException.ThrowIfNull(indices);
        Live("EmbeddingRenorm");
        if (Rank != 2 || !IsContiguous)
            throw new ArgumentException($"EmbeddingRenorm: the weight must be a contiguous 2-d tensor, got shape {Shapes.Format(shape)}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"EmbeddingRenorm: expected a floating-point weight, got {DType}.");
        if (!(maxNorm >= 0)) throw new ArgumentException($"EmbeddingRenorm: maxNorm must be non-negative, got {maxNorm}.");
        if (!(normType > 0)) throw new ArgumentException($"EmbeddingRenorm: normType must be positive, got {normType}.");
        using var idx = EmbeddingIndices(indices, shape[0], "EmbeddingRenorm");
        var rows = new SortedSet<long>(idx.Span<long>().ToArray());
        int dim = shape[1];
        if (DType == DType.Float32) Renorm(Span<float>(), rows, dim, maxNorm, normType);
        else if (DType == DType.Float64) Renorm(Span<double>(), rows, dim, maxNorm, normType);
        else throw new NotSupportedException($"EmbeddingRenorm: {DType} weights are not supported.");
        BumpVersion();
        return this;
    }

    static void Renorm<T>(Span<T> w, SortedSet<long> rows, int dim, double maxNorm, double p) where T : unmanaged, IFloatingPoint<T>
    {
        foreach (long r in rows)
        {
            var row = w.Slice((int)(r * dim), dim);
            double norm = 0;
            if (double.IsPositiveInfinity(p)) foreach (var v in row) norm = Math.Max(norm, Math.Abs(double.CreateTruncating(v)));
            else
            {
                foreach (var v in row) norm += Math.Pow(Math.Abs(double.CreateTruncating(v)), p);
                norm = Math.Pow(norm, 1 / p);
            }
            if (norm <= maxNorm) continue;
            var scale = T.CreateTruncating(maxNorm / (norm + 1e-7));
            for (int i = 0; i < row.Length; i++) row[i] *= scale;
        }
    }

    /// <summary>The indices as a contiguous Int64 tensor, each checked to lie in [0, num).</summary>
    static Tensor EmbeddingIndices(Tensor indices, int num, string op)
    {
        if (indices.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{op}: the indices must be an Int64 or Int32 tensor, got {indices.DType}.");
        var idx = indices.ContiguousInDType(DType.Int64);
        foreach (var v in idx.Span<long>())
            if (v < 0 || v >= num)
            {
                idx.Dispose();
                throw new ArgumentException($"{op}: index {v} is out of range for {num} embeddings (valid: 0 to {num - 1}).");
            }
        return idx;
    }

    /// <summary>PyTorch's padding_idx rule: negative values count from the end; the result lies in [0, num).</summary>
    internal static int? NormalizePaddingIdx(int? paddingIdx, int num, string op)
    {
        if (paddingIdx is not { } p) return null;
        if (p >= num || p < -num)
            throw new ArgumentException($"{op}: paddingIdx {p} is out of range for {num} embeddings; it must lie in [{-num}, {num}).");
        return p < 0 ? p + num : p;
    }

    sealed class EmbeddingBackward(Saved indices, int num, int? paddingIdx, bool scaleGradByFreq) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var idx = indices.Value.Span<long>();
            int dim = g.shape[^1];
            var counts = scaleGradByFreq ? new int[num] : null;
            if (counts is not null) foreach (var i in idx) counts[i]++;
            using var gc = g.ContiguousInDType(g.DType);
            var gw = Full([num, dim], 0, g.DType);
            if (g.DType == DType.Float32) Accumulate(gc.Span<float>(), gw.Span<float>(), idx, dim, paddingIdx, counts);
            else if (g.DType == DType.Float64) Accumulate(gc.Span<double>(), gw.Span<double>(), idx, dim, paddingIdx, counts);
            else throw new NotSupportedException($"EmbeddingBackward: {g.DType} gradients are not supported.");
            return [gw];
        }

        static void Accumulate<T>(ReadOnlySpan<T> g, Span<T> gw, ReadOnlySpan<long> idx, int dim, int? pad, int[]? counts)
            where T : unmanaged, IFloatingPoint<T>
        {
            for (int i = 0; i < idx.Length; i++)
            {
                long r = idx[i];
                if (r == pad) continue;
                var src = g.Slice(i * dim, dim);
                var dst = gw.Slice((int)(r * dim), dim);
                if (counts is null) for (int j = 0; j < dim; j++) dst[j] += src[j];
                else
                {
                    T inv = T.One / T.CreateTruncating(counts[r]);
                    for (int j = 0; j < dim; j++) dst[j] += src[j] * inv;
                }
            }
        }

        protected override void ReleaseSaved() => indices.Release();
    }
}
