namespace Ember.NN.Losses;

/// <summary>
/// The class-dim layout of a classification input, [N, C, d1, …] seen as [N, C, S] (an unbatched [C]
/// is [1, C, 1]), with the shape of its per-position results (the input's shape without the class dim).
/// </summary>
internal readonly record struct ClassLayout(int N, int C, int S, int[] PositionShape)
{
    public long Positions => (long)N * S;

    public static ClassLayout Of(string op, Tensor input)
    {
        var shape = input.shape;
        if (shape.Length == 0)
            throw new ArgumentException($"{op}: expected an input of shape [C], [N, C] or [N, C, d1, ...], got a 0-d tensor.");
        if (shape.Length == 1) return new ClassLayout(1, shape[0], 1, []);
        int s = 1;
        for (int i = 2; i < shape.Length; i++) s *= shape[i];
        return new ClassLayout(shape[0], shape[1], s, [shape[0], .. shape[2..]]);
    }
}

/// <summary>
/// Class-index targets checked against a layout: the indices, the weight of each position's class
/// (0 where the target is ignoreIndex) and their sum, the divisor of the mean, as PyTorch's NLL.
/// </summary>
internal sealed class ClassTargets
{
    public required long[] Targets { get; init; }
    /// <summary>w[target] per position, 0 at ignored positions.</summary>
    public required double[] PositionWeights { get; init; }
    /// <summary>The per-class weights (null: all 1).</summary>
    public double[]? ClassWeights { get; init; }
    public double WeightSum { get; init; }
    public long IgnoreIndex { get; init; }

    public bool Ignored(long p) => Targets[p] == IgnoreIndex;

    public static ClassTargets Of(string op, ClassLayout layout, Tensor input, Tensor target, Tensor? weight, long ignoreIndex)
    {
        target.Live(op);
        if (!Shapes.SameShape(target.shape, layout.PositionShape))
            throw new ArgumentException(
                $"{op}: targets of shape {Shapes.Format(target.shape)} do not match input of shape {Shapes.Format(input.shape)}; " +
                $"expected class indices of shape {Shapes.Format(layout.PositionShape)}, or class probabilities of shape {Shapes.Format(input.shape)}.");
        if (target.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"{op}: class-index targets must be Int64, got {target.DType} (shape {Shapes.Format(target.shape)}).");
        var classWeights = ClassWeightsOf(op, weight, layout.C);
        long[] t;
        using (var t64 = target.To(DType.Int64)) t = t64.ToArray<long>();
        var pw = new double[t.Length];
        double sum = 0;
        for (int i = 0; i < t.Length; i++)
        {
            long ti = t[i];
            if (ti == ignoreIndex) continue;
            if (ti < 0 || ti >= layout.C)
                throw new ArgumentOutOfRangeException(nameof(target),
                    $"{op}: target {ti} is out of range for {layout.C} classes (expected 0 ≤ target < {layout.C}, or ignoreIndex {ignoreIndex}).");
            pw[i] = classWeights is null ? 1 : classWeights[ti];
            sum += pw[i];
        }
        return new ClassTargets { Targets = t, PositionWeights = pw, ClassWeights = classWeights, WeightSum = sum, IgnoreIndex = ignoreIndex };
    }

    /// <summary>A per-class weight of shape [C] as Float64 values, or null.</summary>
    public static double[]? ClassWeightsOf(string op, Tensor? weight, int c)
    {
        if (weight is null) return null;
        LossSupport.CheckConstant(op, "weight", weight);
        if (weight.Rank != 1 || weight.shape[0] != c)
            throw new ArgumentException($"{op}: weight of shape {Shapes.Format(weight.shape)} does not match {c} classes; expected [{c}].");
        using (GradMode.Disable())
        using (var w64 = weight.To(DType.Float64))
            return w64.ToArray<double>();
    }
}
