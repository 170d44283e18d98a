namespace Ember.NN.Losses;

/// <summary>
/// The losses on pairs and triplets of embeddings, composed of ops exactly as PyTorch composes them
/// (so their gradients, including at the hinge, are PyTorch's).
/// </summary>
internal static class EmbeddingLosses
{
    const double CosineEps = 1e-12; // PyTorch's EPSILON in cosine_embedding_loss

    public static Tensor CosineEmbedding(Tensor x1, Tensor x2, Tensor target, double margin, Reduction reduction)
    {
        const string op = "CosineEmbeddingLoss";
        LossSupport.SameShapeAndDType(op, x1, x2, "input1", "input2");
        target.Live(op);
        int dim = target.Rank;
        bool ok = dim switch
        {
            0 => x1.Rank == 1,
            1 => x1.Rank == 2 && x1.shape[0] == target.shape[0],
            _ => false,
        };
        if (!ok)
            throw new ArgumentException(
                $"{op}: expected inputs [N, D] with targets [N], or inputs [D] with a 0-d target; got inputs of shape {Shapes.Format(x1.shape)} and targets of shape {Shapes.Format(target.shape)}.");

        using var prod = x1 * x2;
        using var dot = prod.Sum(dim);
        using var sq1 = x1 * x1;
        using var sq2 = x2 * x2;
        using var s1 = sq1.Sum(dim);
        using var s2 = sq2.Sum(dim);
        using var m1 = s1 + CosineEps;
        using var m2 = s2 + CosineEps;
        using var m12 = m1 * m2;
        using var denom = m12.Sqrt();
        using var cos = dot / denom;
        using var pos = 1.0 - cos;
        using var shifted = cos - margin;
        using var neg = shifted.Clamp(min: 0);
        using var zero = Tensor.Zeros([], cos.DType);
        using var isPos = target.Eq(1);
        using var isNeg = target.Eq(-1);
        using var outPos = Tensor.Where(isPos, pos, zero);
        using var outNeg = Tensor.Where(isNeg, neg, zero);
        return LossSupport.Reduce(outPos + outNeg, reduction);
    }

    public static Tensor MarginRanking(Tensor x1, Tensor x2, Tensor target, double margin, Reduction reduction)
    {
        const string op = "MarginRankingLoss";
        LossSupport.SameShapeAndDType(op, x1, x2, "input1", "input2");
        target.Live(op);
        if (!Shapes.SameShape(target.shape, x1.shape))
            throw new ArgumentException(
                $"{op}: target of shape {Shapes.Format(target.shape)} does not match inputs of shape {Shapes.Format(x1.shape)}; they must have the same shape.");
        using var y = target.To(x1.DType); // a new handle on the same data when the dtype matches, still differentiable
        using var diff = x1 - x2;
        using var signed = y * diff;
        using var hinge = margin - signed;
        return LossSupport.Reduce(hinge.Clamp(min: 0), reduction);
    }

    public static Tensor TripletMargin(Tensor anchor, Tensor positive, Tensor negative, double margin, double p, double eps, bool swap, Reduction reduction)
    {
        const string op = "TripletMarginLoss";
        LossSupport.SameShapeAndDType(op, anchor, positive, "anchor", "positive");
        LossSupport.SameShapeAndDType(op, anchor, negative, "anchor", "negative");
        if (anchor.Rank == 0) throw new ArgumentException($"{op}: expected inputs [N, D] or [D], got 0-d tensors.");
        if (!(p > 0)) throw new ArgumentOutOfRangeException(nameof(p), $"{op}: the norm degree p must be > 0, got {p}.");

        using var dPos = PairwiseDistance(anchor, positive, p, eps);
        using var dNeg = PairwiseDistance(anchor, negative, p, eps);
        using var dSwap = swap ? PairwiseDistance(positive, negative, p, eps) : null;
        using var dNegSwapped = dSwap is null ? null : dNeg.Minimum(dSwap);
        using var gap = dPos - (dNegSwapped ?? dNeg);
        using var hinge = gap + margin;
        return LossSupport.Reduce(hinge.Clamp(min: 0), reduction);
    }

    /// <summary>‖x1 − x2 + eps‖_p over the last dim, as PyTorch's pairwise_distance.</summary>
    static Tensor PairwiseDistance(Tensor x1, Tensor x2, double p, double eps)
    {
        using var d = x1 - x2;
        using var shifted = d + eps;
        return shifted.Norm((float)p, [x1.Rank - 1]);
    }
}
