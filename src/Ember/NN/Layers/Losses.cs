using F = Ember.NN.Functional;

namespace Ember.NN;

/// <summary>
/// A loss of an input and a target as a module: <c>loss.Forward(logits, targets)</c>, or
/// <c>Forward((input, target))</c> where a <see cref="Module{TIn, TOut}"/> is expected.
/// Class weights are registered as buffers named as PyTorch names them ("weight", "pos_weight").
/// </summary>
public abstract class Loss(Reduction reduction) : Module<(Tensor Input, Tensor Target), Tensor>
{
    public Reduction Reduction { get; } = reduction;

    public Tensor Forward(Tensor input, Tensor target) => Forward((input, target));

    public override Tensor Forward((Tensor Input, Tensor Target) x) => Compute(x.Input, x.Target);

    protected abstract Tensor Compute(Tensor input, Tensor target);

    /// <summary>Registers an optional constant tensor as a buffer (absent when null, as PyTorch's None buffer).</summary>
    protected Tensor? OptionalBuffer(string name, Tensor? value) => value is null ? null : Buffer(name, value);
}

/// <summary>A loss of two inputs and a target (a ranking or similarity of pairs).</summary>
public abstract class PairLoss(Reduction reduction) : Module<(Tensor Input1, Tensor Input2, Tensor Target), Tensor>
{
    public Reduction Reduction { get; } = reduction;

    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) => Forward((input1, input2, target));
}

public sealed class MSELoss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    protected override Tensor Compute(Tensor input, Tensor target) => F.MseLoss(input, target, Reduction);
}

public sealed class L1Loss(Reduction reduction = Reduction.Mean) : Loss(reduction)
{
    protected override Tensor Compute(Tensor input, Tensor target) => F.L1Loss(input, target, Reduction);
}

public sealed class SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) : Loss(reduction)
{
    public double Beta { get; } = beta;
    protected override Tensor Compute(Tensor input, Tensor target) => F.SmoothL1Loss(input, target, Reduction, Beta);
}

public sealed class HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0) : Loss(reduction)
{
    public double Delta { get; } = delta;
    protected override Tensor Compute(Tensor input, Tensor target) => F.HuberLoss(input, target, Reduction, Delta);
}

public sealed class CrossEntropyLoss : Loss
{
    public Tensor? Weight { get; }
    public long IgnoreIndex { get; }
    public double LabelSmoothing { get; }

    public CrossEntropyLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
        : base(reduction)
    {
        Weight = OptionalBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    protected override Tensor Compute(Tensor input, Tensor target)
        => F.CrossEntropy(input, target, Reduction, Weight, IgnoreIndex, LabelSmoothing);
}

public sealed class NLLLoss : Loss
{
    public Tensor? Weight { get; }
    public long IgnoreIndex { get; }

    public NLLLoss(Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) : base(reduction)
    {
        Weight = OptionalBuffer("weight", weight);
        IgnoreIndex = ignoreIndex;
    }

    protected override Tensor Compute(Tensor input, Tensor target) => F.NllLoss(input, target, Reduction, Weight, IgnoreIndex);
}

public sealed class BCELoss : Loss
{
    public Tensor? Weight { get; }

    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) : base(reduction) => Weight = OptionalBuffer("weight", weight);

    protected override Tensor Compute(Tensor input, Tensor target) => F.BinaryCrossEntropy(input, target, Reduction, Weight);
}

public sealed class BCEWithLogitsLoss : Loss
{
    public Tensor? Weight { get; }
    public Tensor? PosWeight { get; }

    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null) : base(reduction)
    {
        Weight = OptionalBuffer("weight", weight);
        PosWeight = OptionalBuffer("pos_weight", posWeight);
    }

    protected override Tensor Compute(Tensor input, Tensor target)
        => F.BinaryCrossEntropyWithLogits(input, target, Reduction, Weight, PosWeight);
}

/// <summary>KL divergence; <see cref="Reduction.BatchMean"/> is PyTorch's reduction "batchmean".</summary>
public sealed class KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false) : Loss(reduction)
{
    public bool LogTarget { get; } = logTarget;
    protected override Tensor Compute(Tensor input, Tensor target) => F.KlDiv(input, target, Reduction, LogTarget);
}

public sealed class CosineEmbeddingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean) : PairLoss(reduction)
{
    public double Margin { get; } = margin;
    public override Tensor Forward((Tensor Input1, Tensor Input2, Tensor Target) x)
        => F.CosineEmbeddingLoss(x.Input1, x.Input2, x.Target, Margin, Reduction);
}

public sealed class MarginRankingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean) : PairLoss(reduction)
{
    public double Margin { get; } = margin;
    public override Tensor Forward((Tensor Input1, Tensor Input2, Tensor Target) x)
        => F.MarginRankingLoss(x.Input1, x.Input2, x.Target, Margin, Reduction);
}

/// <summary>Triplet margin loss of (anchor, positive, negative).</summary>
public sealed class TripletMarginLoss(double margin = 1.0, double p = 2, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
    : Module<(Tensor Anchor, Tensor Positive, Tensor Negative), Tensor>
{
    public double Margin { get; } = margin;
    public double P { get; } = p;
    public double Eps { get; } = eps;
    public bool Swap { get; } = swap;
    public Reduction Reduction { get; } = reduction;

    public Tensor Forward(Tensor anchor, Tensor positive, Tensor negative) => Forward((anchor, positive, negative));

    public override Tensor Forward((Tensor Anchor, Tensor Positive, Tensor Negative) x)
        => F.TripletMarginLoss(x.Anchor, x.Positive, x.Negative, Margin, P, Eps, Swap, Reduction);
}
