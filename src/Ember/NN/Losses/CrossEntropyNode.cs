using Ember.Backends.Cpu;

namespace Ember.NN.Losses;

/// <summary>
/// Cross-entropy of logits against class indices or class probabilities as one fused kernel each way
/// (see <see cref="CrossEntropyKernel"/>): it saves the logits and one log-sum-exp per position, never
/// the log-probabilities.
/// </summary>
internal sealed unsafe class CrossEntropyNode : Node
{
    const string Op = "CrossEntropy";

    readonly Saved logits;
    readonly Saved? probabilities;
    readonly ClassTargets? classes;
    readonly CrossEntropyKernel.Problem problem;
    readonly double[] lse;
    readonly double scale;
    readonly bool elementwise;

    CrossEntropyNode(Saved logits, Saved? probabilities, ClassTargets? classes, CrossEntropyKernel.Problem problem, double[] lse, double scale, bool elementwise)
    {
        this.logits = logits; this.probabilities = probabilities; this.classes = classes; this.problem = problem;
        this.lse = lse; this.scale = scale; this.elementwise = elementwise;
    }

    public override string Name => "CrossEntropyBackward";

    public static Tensor Apply(Tensor input, Tensor target, Tensor? weight, Reduction reduction, long ignoreIndex, double labelSmoothing)
    {
        input.Live(Op); target.Live(Op);
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), $"{Op}: labelSmoothing must be in [0, 1], got {labelSmoothing}.");
        var layout = ClassLayout.Of(Op, input);
        var dtype = input.DType.ToFloating();
        bool probabilityTargets = Shapes.SameShape(input.shape, target.shape);
        if (probabilityTargets)
        {
            if (!target.DType.IsFloatingPoint())
                throw new ArgumentException(
                    $"{Op}: targets of the input's shape {Shapes.Format(input.shape)} are class probabilities and must be floating point, got {target.DType}.");
            if (target.DType != dtype)
                throw new ArgumentException(
                    $"{Op}: probability targets ({target.DType}, shape {Shapes.Format(target.shape)}) and input ({dtype}, shape {Shapes.Format(input.shape)}) must have the same dtype.");
            if (ignoreIndex >= 0)
                throw new ArgumentException($"{Op}: ignoreIndex ({ignoreIndex}) is not supported with class-probability targets.");
        }

        var classes = probabilityTargets ? null : ClassTargets.Of(Op, layout, input, target, weight, ignoreIndex);
        var classWeights = probabilityTargets ? ClassTargets.ClassWeightsOf(Op, weight, layout.C) : classes!.ClassWeights;
        var problem = new CrossEntropyKernel.Problem(layout.N, layout.C, layout.S, labelSmoothing, classWeights);

        using var x = input.ContiguousInDType(dtype);
        using var y = probabilityTargets ? target.ContiguousInDType(dtype) : null;
        var lse = new double[layout.Positions];
        var losses = new double[layout.Positions];
        if (dtype == DType.Float32)
        {
            if (classes is null) CrossEntropyKernel.ForwardProb((float*)x.DataPointer, (float*)y!.DataPointer, problem, lse, losses);
            else CrossEntropyKernel.ForwardIndex((float*)x.DataPointer, problem, classes.Targets, ignoreIndex, classes.PositionWeights, lse, losses);
        }
        else
        {
            if (classes is null) CrossEntropyKernel.ForwardProb((double*)x.DataPointer, (double*)y!.DataPointer, problem, lse, losses);
            else CrossEntropyKernel.ForwardIndex((double*)x.DataPointer, problem, classes.Targets, ignoreIndex, classes.PositionWeights, lse, losses);
        }

        // PyTorch's mean: over the weights of the non-ignored targets, or over the positions for probabilities.
        double divisor = classes?.WeightSum ?? layout.Positions;
        var result = LossSupport.FromPositions(losses, layout.PositionShape, reduction, divisor, dtype);
        if (GradMode.ShouldRecord(input, target))
        {
            double s = reduction == Reduction.Mean ? 1.0 / divisor : 1.0;
            var node = new CrossEntropyNode(new Saved(x, Op), y is null ? null : new Saved(y, Op), classes, problem, lse, s, reduction == Reduction.None);
            GradMode.Record(result, node, input, target);
        }
        return result;
    }

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var x = logits.Value;
        using var g64 = g.ContiguousInDType(DType.Float64);
        var gv = g64.ToArray<double>();
        double g0 = gv.Length > 0 ? gv[0] * scale : 0;
        Func<long, double> gp = elementwise ? p => gv[p] : _ => g0;
        var dx = NeedsInputGrad(0) ? Tensor.Empty(x.shape, x.DType) : null;
        Tensor? dy = null;
        if (classes is not null)
        {
            if (dx is null) return [null, null];
            if (x.DType == DType.Float32)
                CrossEntropyKernel.BackwardIndex((float*)x.DataPointer, (float*)dx.DataPointer, problem, classes.Targets, classes.IgnoreIndex, classes.PositionWeights, lse, gp);
            else
                CrossEntropyKernel.BackwardIndex((double*)x.DataPointer, (double*)dx.DataPointer, problem, classes.Targets, classes.IgnoreIndex, classes.PositionWeights, lse, gp);
            return [dx, null];
        }

        var y = probabilities!.Value;
        if (NeedsInputGrad(1)) dy = Tensor.Empty(y.shape, y.DType);
        if (x.DType == DType.Float32)
            CrossEntropyKernel.BackwardProb((float*)x.DataPointer, (float*)y.DataPointer,
                dx is null ? null : (float*)dx.DataPointer, dy is null ? null : (float*)dy.DataPointer, problem, lse, gp);
        else
            CrossEntropyKernel.BackwardProb((double*)x.DataPointer, (double*)y.DataPointer,
                dx is null ? null : (double*)dx.DataPointer, dy is null ? null : (double*)dy.DataPointer, problem, lse, gp);
        return [dx, dy];
    }

    protected override void ReleaseSaved() { logits.Release(); probabilities?.Release(); }
}
