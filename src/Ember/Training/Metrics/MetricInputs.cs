namespace Ember.Training;

/// <summary>Reads outputs and targets into plain arrays and checks that their shapes go together.</summary>
internal static class MetricInputs
{
    public static double[] Doubles(Tensor t)
    {
        if (t.DType == DType.Float64) return t.ToArray<double>();
        if (t.DType == DType.Float32)
        {
            var f = t.ToArray<float>();
            var d = new double[f.Length];
            for (int i = 0; i < f.Length; i++) d[i] = f[i];
            return d;
        }
        using var c = t.To(DType.Float64);
        return c.ToArray<double>();
    }

    public static long[] Labels(Tensor t, string op)
    {
        if (t.DType == DType.Int64) return t.ToArray<long>();
        if (t.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: targets must be class indices (Int64 or Int32), got {t.DType} of shape {Shapes.Format(t.Shape)}.");
        using var c = t.To(DType.Int64);
        return c.ToArray<long>();
    }

    /// <summary>
    /// Predicted and true classes of a batch: logits or probabilities [N, C] (or [N, C, d…] with targets
    /// [N, d…]) against class indices give argmax classes; a same-shaped output gives binary classes by
    /// <paramref name="threshold"/>.
    /// </summary>
    public static (long[] Predicted, long[] Actual, int Classes) Classes(Tensor output, Tensor target, double threshold, string op)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(target);
        if (output.Shape.SequenceEqual(target.Shape))
        {
            var p = Doubles(output);
            var pred = new long[p.Length];
            for (int i = 0; i < p.Length; i++) pred[i] = p[i] >= threshold ? 1 : 0;
            var actual = target.DType.IsFloatingPoint() ? Doubles(target).Select(v => v >= 0.5 ? 1L : 0L).ToArray() : Labels(target, op);
            return (pred, actual, 2);
        }
        var scores = Scores(output, target, op, out int classes);
        var predicted = new long[scores.Length / Math.Max(classes, 1)];
        for (int i = 0; i < predicted.Length; i++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (scores[i * classes + c] > scores[i * classes + best]) best = c;
            predicted[i] = best;
        }
        return (predicted, Labels(target, op), classes);
    }

    /// <summary>The output as rows of class scores, [samples × classes], checking it against targets of class indices.</summary>
    public static double[] Scores(Tensor output, Tensor target, string op, out int classes)
    {
        var os = output.Shape;
        var ts = target.Shape;
        bool fits = os.Length == ts.Length + 1 && os.Length >= 2 && os[0] == ts[0] && os.AsSpan(2).SequenceEqual(ts.AsSpan(1));
        if (!fits)
            throw new ArgumentException($"{op}: targets of shape {Shapes.Format(ts)} do not match outputs of shape {Shapes.Format(os)}; expected class indices of shape {Shapes.Format(Expected(os))}, or targets of the output's shape.");
        classes = os[1];
        if (os.Length == 2) return Doubles(output);
        // [N, C, d…] → [N·d…, C], as CrossEntropy reads it.
        int[] order = [0, .. Enumerable.Range(2, os.Length - 2), 1];
        using var moved = output.Permute(order);
        using var rows = moved.Reshape(-1, classes);
        return Doubles(rows);
    }

    static int[] Expected(int[] os) => os.Length >= 2 ? [os[0], .. os.AsSpan(2)] : [os.Length == 1 ? os[0] : 1];
}
