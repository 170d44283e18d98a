namespace Ember.NN.Losses;

/// <summary>
/// Negative log-likelihood of log-probabilities [N, C, d1, …] (or [C]) at class indices:
/// −w_t·x_t per position. It saves only the targets; the gradient is −g·w_t at each target.
/// </summary>
internal sealed unsafe class NllNode : Node
{
    const string Op = "NLLLoss";

    readonly ClassTargets classes;
    readonly ClassLayout layout;
    readonly double scale;
    readonly bool elementwise;

    NllNode(ClassTargets classes, ClassLayout layout, double scale, bool elementwise)
    {
        this.classes = classes; this.layout = layout; this.scale = scale; this.elementwise = elementwise;
    }

    public override string Name => "NLLLossBackward";

    public static Tensor Apply(Tensor input, Tensor target, Tensor? weight, Reduction reduction, long ignoreIndex)
    {
        input.Live(Op); target.Live(Op);
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{Op}: expected floating-point log-probabilities, got {input.DType} (shape {Shapes.Format(input.shape)}).");
        var layout = ClassLayout.Of(Op, input);
        var classes = ClassTargets.Of(Op, layout, input, target, weight, ignoreIndex);
        var losses = new double[layout.Positions];
        using (var x = input.ContiguousInDType(input.DType))
        {
            // Only the target entries are read: no copy of the whole input.
            for (long p = 0; p < losses.Length; p++)
            {
                if (classes.Ignored(p)) continue;
                long i = Index(layout, p, classes.Targets[p]);
                double v = x.DType == DType.Float32 ? ((float*)x.DataPointer)[i] : ((double*)x.DataPointer)[i];
                losses[p] = -classes.PositionWeights[p] * v;
            }
        }

        var result = LossSupport.FromPositions(losses, layout.PositionShape, reduction, classes.WeightSum, input.DType);
        if (GradMode.ShouldRecord(input))
            GradMode.Record(result, new NllNode(classes, layout, reduction == Reduction.Mean ? 1.0 / classes.WeightSum : 1.0, reduction == Reduction.None), input, target);
        return result;
    }

    /// <summary>The row-major offset of class <paramref name="c"/> at position <paramref name="p"/> of [N, C, S].</summary>
    static long Index(ClassLayout l, long p, long c) => p / l.S * l.C * l.S + c * l.S + p % l.S;

    protected internal override Tensor?[] Backward(Tensor g)
    {
        using var g64 = g.ContiguousInDType(DType.Float64);
        var gv = g64.ToArray<double>();
        var dx = Tensor.Zeros(InputShapes[0], InputDTypes[0]);
        for (long p = 0; p < layout.Positions; p++)
        {
            if (classes.Ignored(p)) continue;
            double v = -(elementwise ? gv[p] : gv[0] * scale) * classes.PositionWeights[p];
            long i = Index(layout, p, classes.Targets[p]);
            if (dx.DType == DType.Float32) ((float*)dx.DataPointer)[i] = (float)v;
            else ((double*)dx.DataPointer)[i] = v;
        }
        return [dx, null];
    }
}
