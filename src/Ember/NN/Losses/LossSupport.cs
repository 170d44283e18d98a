namespace Ember.NN.Losses;

/// <summary>How a fused loss node combines its values; <see cref="Reduction"/> plus KLDiv's "batchmean".</summary>
internal enum LossReduction { None, Mean, Sum, BatchMean }

/// <summary>The argument checks and reductions shared by the losses.</summary>
internal static class LossSupport
{
    public static LossReduction From(string op, Reduction r) => Plain(op, r) switch
    {
        Reduction.None => LossReduction.None,
        Reduction.Sum => LossReduction.Sum,
        Reduction.Mean => LossReduction.Mean,
        _ => throw new ArgumentOutOfRangeException(nameof(r), $"{op}: unknown reduction {r}."),
    };

    /// <summary>The reduction, refused when it is BatchMean, which only KL divergence defines.</summary>
    public static Reduction Plain(string op, Reduction r) => r == Reduction.BatchMean
        ? throw new ArgumentException($"{op}: Reduction.BatchMean is KL divergence's reduction; use Mean, Sum or None.")
        : r;

    public static string Format(int[] shape) => Shapes.Format(shape);

    /// <summary>Input and target of an elementwise loss: the same shape and the same floating-point dtype.</summary>
    public static void SameShapeAndDType(string op, Tensor input, Tensor target, string inputName = "input", string targetName = "target")
    {
        input.Live(op); target.Live(op);
        if (!Shapes.SameShape(input.shape, target.shape))
            throw new ArgumentException(
                $"{op}: {targetName} of shape {Format(target.shape)} does not match {inputName} of shape {Format(input.shape)}; they must have the same shape.");
        if (!input.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point {inputName}, got {input.DType} (shape {Format(input.shape)}).");
        if (target.DType != input.DType)
            throw new ArgumentException(
                $"{op}: {targetName} ({target.DType}, shape {Format(target.shape)}) and {inputName} ({input.DType}, shape {Format(input.shape)}) must have the same dtype; convert one with .To().");
    }

    /// <summary>A constant weight tensor (a class weight, BCE's weight or pos_weight): floating point and not requiring grad, as in PyTorch.</summary>
    public static void CheckConstant(string op, string name, Tensor? t)
    {
        if (t is null) return;
        t.Live(op);
        if (!t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: {name} must be floating point, got {t.DType} (shape {Format(t.shape)}).");
        if (t.RequiresGrad && GradMode.Enabled)
            throw new ArgumentException($"{op}: {name} (shape {Format(t.shape)}) is not differentiable; pass {name}.Detach().");
    }

    /// <summary>
    /// <paramref name="t"/> broadcast to <paramref name="shape"/> as Float64 values in row-major order,
    /// or null. The error names the loss and both shapes.
    /// </summary>
    public static double[]? Broadcast(string op, string name, Tensor? t, int[] shape)
    {
        if (t is null) return null;
        int[] merged;
        try { merged = Shapes.Broadcast(t.shape, shape, op); }
        catch (ArgumentException) { merged = []; }
        if (!Shapes.SameShape(merged, shape))
            throw new ArgumentException($"{op}: {name} of shape {Format(t.shape)} does not broadcast to the input's shape {Format(shape)}.");
        using (GradMode.Disable())
        {
            using var d = t.Detach();
            using var e = d.Expand(shape);
            using var f = e.To(DType.Float64);
            return f.ToArray<double>();
        }
    }

    /// <summary>Applies a reduction to per-element values of a composite loss, disposing them unless returned.</summary>
    public static Tensor Reduce(Tensor values, Reduction reduction)
    {
        if (reduction == Reduction.None) return values;
        using (values) return reduction == Reduction.Sum ? values.Sum() : values.Mean();
    }

    /// <summary>
    /// A fused loss's result from its per-position values: as they are (in <paramref name="shape"/>), summed,
    /// or summed and divided by <paramref name="meanDivisor"/> (0 / 0 gives NaN, as PyTorch's mean of nothing).
    /// </summary>
    public static Tensor FromPositions(double[] losses, int[] shape, Reduction reduction, double meanDivisor, DType dtype)
    {
        if (reduction == Reduction.None)
        {
            using var l = Tensor.FromArray(losses, losses.Length);
            using var c = l.To(dtype);
            return c.Reshape(shape);
        }
        double total = 0;
        foreach (var v in losses) total += v;
        return Tensor.Scalar(reduction == Reduction.Mean ? total / meanDivisor : total, dtype);
    }
}
