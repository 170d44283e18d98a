using Ember.NN.Losses;

namespace Ember.NN;

// The losses, with PyTorch's names, arguments and defaults (torch.nn.functional.*_loss). Elementwise
// losses and cross-entropy are fused nodes (NN/Losses); the embedding losses are composed of ops.
public static partial class Functional
{
    /// <summary>Mean squared error (x − y)²; input and target must have the same shape and dtype.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
        => Pointwise("MSELoss", new MseFn(), input, target, reduction);

    /// <summary>Mean absolute error |x − y|.</summary>
    public static Tensor L1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
        => Pointwise("L1Loss", new L1Fn(), input, target, reduction);

    /// <summary>0.5·(x − y)²/β where |x − y| &lt; β, else |x − y| − 0.5·β (β = 0 is L1Loss).</summary>
    public static Tensor SmoothL1Loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
    {
        if (!(beta >= 0)) throw new ArgumentOutOfRangeException(nameof(beta), $"SmoothL1Loss: beta must be ≥ 0, got {beta}.");
        return Pointwise("SmoothL1Loss", new SmoothL1Fn(beta), input, target, reduction);
    }

    /// <summary>0.5·(x − y)² where |x − y| &lt; δ, else δ·(|x − y| − 0.5·δ).</summary>
    public static Tensor HuberLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double delta = 1.0)
    {
        if (!(delta > 0)) throw new ArgumentOutOfRangeException(nameof(delta), $"HuberLoss: delta must be > 0, got {delta}.");
        return Pointwise("HuberLoss", new HuberFn(delta), input, target, reduction);
    }

    /// <summary>
    /// Cross-entropy of logits [N, C], [N, C, d1, …] or unbatched [C] against class indices (Int64, the
    /// input's shape without dim 1) or class probabilities (the input's shape and dtype), as one fused kernel:
    /// a stable log-sum-exp forward and softmax − target backward, without materialising log-probabilities.
    /// <paramref name="weight"/> [C] rescales each class; targets equal to <paramref name="ignoreIndex"/> count
    /// for nothing, and the mean divides by the summed weights of the others; <paramref name="labelSmoothing"/>
    /// mixes the target with the uniform distribution.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean,
                                      Tensor? weight = null, long ignoreIndex = -100, double labelSmoothing = 0.0)
        => CrossEntropyNode.Apply(logits, targets, weight, LossSupport.Plain("CrossEntropyLoss", reduction), ignoreIndex, labelSmoothing);

    /// <summary>Negative log-likelihood −w_t·x_t of log-probabilities [N, C, d1, …] or [C] at class indices, with CrossEntropy's weight and ignoreIndex.</summary>
    public static Tensor NllLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null, long ignoreIndex = -100)
        => NllNode.Apply(input, target, weight, LossSupport.Plain("NLLLoss", reduction), ignoreIndex);

    /// <summary>
    /// Binary cross-entropy −w·(y·log p + (1 − y)·log(1 − p)) of probabilities p ∈ [0, 1]; each log is clamped
    /// at −100, so p = 0 or 1 gives a finite loss. <paramref name="weight"/> broadcasts to the input.
    /// </summary>
    public static Tensor BinaryCrossEntropy(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, Tensor? weight = null)
    {
        const string op = "BCELoss";
        LossSupport.SameShapeAndDType(op, input, target);
        LossSupport.CheckConstant(op, "weight", weight);
        using (GradMode.Disable())
        {
            if (input.NumElements > 0)
            {
                using var lo = input.Min();
                using var hi = input.Max();
                using var lo64 = lo.To(DType.Float64);
                using var hi64 = hi.To(DType.Float64);
                double min = lo64.Item<double>(), max = hi64.Item<double>();
                if (!(min >= 0 && max <= 1))
                    throw new ArgumentException($"{op}: every input value must be a probability in [0, 1], got values in [{min}, {max}] (shape {Shapes.Format(input.shape)}); for logits use BinaryCrossEntropyWithLogits.");
            }
        }
        var w = LossSupport.Broadcast(op, "weight", weight, input.shape);
        return PointwiseLoss<BceFn>.Apply(op, new BceFn(), input, target, w, null, LossSupport.From(op, reduction));
    }

    /// <summary>
    /// Binary cross-entropy of logits, (1 − y)·x + (1 + (pw − 1)·y)·log(1 + exp(−x)) computed as
    /// max(−x, 0) + log1p(exp(−|x|)): finite for any finite logit. <paramref name="posWeight"/> weighs the
    /// positive term and broadcasts along the last dim (one per class); <paramref name="weight"/> broadcasts to the input.
    /// </summary>
    public static Tensor BinaryCrossEntropyWithLogits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean,
                                                      Tensor? weight = null, Tensor? posWeight = null)
    {
        const string op = "BCEWithLogitsLoss";
        LossSupport.SameShapeAndDType(op, input, target);
        LossSupport.CheckConstant(op, "weight", weight);
        LossSupport.CheckConstant(op, "posWeight", posWeight);
        var w = LossSupport.Broadcast(op, "weight", weight, input.shape);
        var pw = LossSupport.Broadcast(op, "posWeight", posWeight, input.shape);
        return PointwiseLoss<BceWithLogitsFn>.Apply(op, new BceWithLogitsFn(), input, target, w, pw, LossSupport.From(op, reduction));
    }

    /// <summary>
    /// Kullback–Leibler divergence y·(log y − x) of log-probabilities x from a target distribution y (given as
    /// log-probabilities when <paramref name="logTarget"/>). PyTorch's reduction "batchmean" (the sum divided by
    /// the batch size, the true KL divergence) is <see cref="Reduction.BatchMean"/>.
    /// </summary>
    public static Tensor KlDiv(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, bool logTarget = false)
    {
        const string op = "KLDivLoss";
        LossSupport.SameShapeAndDType(op, input, target);
        var r = reduction == Reduction.BatchMean ? LossReduction.BatchMean : LossSupport.From(op, reduction);
        return PointwiseLoss<KlDivFn>.Apply(op, new KlDivFn(logTarget), input, target, null, null, r);
    }

    /// <summary>
    /// 1 − cos(x1, x2) where y = 1, max(0, cos(x1, x2) − margin) where y = −1, for rows of [N, D] inputs with
    /// targets [N] (or [D] inputs with a 0-d target), as PyTorch's cosine_embedding_loss.
    /// </summary>
    public static Tensor CosineEmbeddingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
        => EmbeddingLosses.CosineEmbedding(input1, input2, target, margin, LossSupport.Plain("CosineEmbeddingLoss", reduction));

    /// <summary>max(0, −y·(x1 − x2) + margin), elementwise over inputs and targets of one shape.</summary>
    public static Tensor MarginRankingLoss(Tensor input1, Tensor input2, Tensor target, double margin = 0.0, Reduction reduction = Reduction.Mean)
        => EmbeddingLosses.MarginRanking(input1, input2, target, margin, LossSupport.Plain("MarginRankingLoss", reduction));

    /// <summary>
    /// max(0, margin + d(a, p) − d(a, n)) with d the p-norm distance of (x1 − x2 + eps) over the last dim;
    /// with <paramref name="swap"/>, d(a, n) is replaced by min(d(a, n), d(p, n)).
    /// </summary>
    public static Tensor TripletMarginLoss(Tensor anchor, Tensor positive, Tensor negative, double margin = 1.0, double p = 2,
                                           double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
        => EmbeddingLosses.TripletMargin(anchor, positive, negative, margin, p, eps, swap, LossSupport.Plain("TripletMarginLoss", reduction));

    static Tensor Pointwise<TFn>(string op, TFn fn, Tensor input, Tensor target, Reduction reduction) where TFn : struct, IPointwiseLoss
    {
        LossSupport.SameShapeAndDType(op, input, target);
        return PointwiseLoss<TFn>.Apply(op, fn, input, target, null, null, LossSupport.From(op, reduction));
    }
}
