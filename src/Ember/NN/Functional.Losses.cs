using System.Buffers;
using System.Numerics.Tensors;

namespace Ember.NN;

public static partial class Functional
{
    /// <summary>Mean squared error.</summary>
    public static Tensor MseLoss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean)
    {
        using var d = input - target;
        var sq = d * d;
        if (reduction == Reduction.None) return sq;
        using (sq) return reduction == Reduction.Sum ? sq.Sum() : sq.Mean();
    }

    /// <summary>
    /// Cross-entropy of logits [N, C] against class indices [N] (Int64), as one fused kernel:
    /// a stable log-sum-exp per row forward, and softmax − one-hot backward, without materialising log-probabilities.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor targets, Reduction reduction = Reduction.Mean)
        => CrossEntropyLoss.Apply(logits, targets, reduction);
}

/// <summary>The fused softmax–cross-entropy forward and backward, generic over float and double.</summary>
internal sealed unsafe class CrossEntropyLoss : Node
{
    readonly Saved logits;
    readonly long[] targets;
    readonly double[] lse;
    readonly Reduction reduction;

    CrossEntropyLoss(Saved logits, long[] targets, double[] lse, Reduction reduction)
    {
        this.logits = logits; this.targets = targets; this.lse = lse; this.reduction = reduction;
    }

    public static Tensor Apply(Tensor logits, Tensor targets, Reduction reduction)
    {
        if (logits.Rank != 2)
            throw new ArgumentException($"CrossEntropy: expected logits of shape [N, C], got {Format(logits.Shape)}.");
        if (targets.Rank != 1 || targets.Shape[0] != logits.Shape[0])
            throw new ArgumentException($"CrossEntropy: targets of shape {Format(targets.Shape)} do not match logits of shape {Format(logits.Shape)}; expected [{logits.Shape[0]}].");
        if (targets.DType is not (DType.Int64 or DType.Int32))
            throw new ArgumentException($"CrossEntropy: targets must be class indices (Int64), got {targets.DType}.");
        int n = logits.Shape[0], c = logits.Shape[1];
        var dtype = logits.DType.ToFloating();
        using var x = Contiguous(logits, dtype);
        using var t64 = targets.To(DType.Int64);
        var t = t64.ToArray<long>();
        foreach (var ti in t)
            if (ti < 0 || ti >= c) throw new ArgumentOutOfRangeException(nameof(targets), $"CrossEntropy: target {ti} is out of range for {c} classes.");

        var lse = new double[n];
        var losses = new double[n];
        if (dtype == DType.Float32) Forward((float*)x.DataPointer, n, c, t, lse, losses);
        else Forward((double*)x.DataPointer, n, c, t, lse, losses);

        double total = 0;
        foreach (var l in losses) total += l;
        using var perSample = Tensor.FromArray(losses, n);
        Tensor y = reduction switch
        {
            Reduction.None => perSample.To(dtype),
            Reduction.Sum => Tensor.Scalar(total, dtype),
            _ => Tensor.Scalar(n == 0 ? double.NaN : total / n, dtype),
        };
        if (GradMode.ShouldRecord(logits))
            GradMode.Record(y, new CrossEntropyLoss(new Saved(x, "CrossEntropy"), t, lse, reduction), logits, targets);
        return y;
    }

    static Tensor Contiguous(Tensor t, DType dtype)
    {
        using var detached = t.Detach();
        using var cast = detached.To(dtype);
        return cast.Contiguous();
    }

    static void Forward<T>(T* xp, int n, int c, long[] t, double[] lse, double[] losses) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Parallelism.For(n, c, (s, e) =>
        {
            var tmp = ArrayPool<T>.Shared.Rent(c);
            var buf = tmp.AsSpan(0, c);
            for (long i = s; i < e; i++)
            {
                var row = new ReadOnlySpan<T>(xp + i * c, c);
                T max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, buf);
                TensorPrimitives.Exp(buf, buf);
                lse[i] = double.CreateTruncating(max) + Math.Log(double.CreateTruncating(TensorPrimitives.Sum<T>(buf)));
                losses[i] = lse[i] - double.CreateTruncating(row[(int)t[i]]);
            }
            ArrayPool<T>.Shared.Return(tmp);
        });
    }

    static void Backward<T>(T* xp, T* dp, int n, int c, long[] t, double[] lse, double[] g, Reduction reduction) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        double scale = reduction == Reduction.Mean ? 1.0 / Math.Max(n, 1) : 1.0;
        Parallelism.For(n, c, (s, e) =>
        {
            for (long i = s; i < e; i++)
            {
                T gi = T.CreateTruncating((reduction == Reduction.None ? g[i] : g[0]) * scale);
                var row = new ReadOnlySpan<T>(xp + i * c, c);
                var d = new Span<T>(dp + i * c, c);
                TensorPrimitives.Subtract(row, T.CreateTruncating(lse[i]), d);
                TensorPrimitives.Exp(d, d);
                d[(int)t[i]] -= T.One;
                TensorPrimitives.Multiply(d, gi, d);
            }
        });
    }

    static string Format(int[] s) => "[" + string.Join(", ", s) + "]";

    protected internal override Tensor?[] Backward(Tensor g)
    {
        var x = logits.Value;
        int n = x.Shape[0], c = x.Shape[1];
        using var g64 = g.To(DType.Float64);
        var gv = g64.ToArray<double>();
        var dx = Tensor.Empty(x.Shape, x.DType);
        if (x.DType == DType.Float32) Backward((float*)x.DataPointer, (float*)dx.DataPointer, n, c, targets, lse, gv, reduction);
        else Backward((double*)x.DataPointer, (double*)dx.DataPointer, n, c, targets, lse, gv, reduction);
        return [dx, null];
    }

    protected override void ReleaseSaved() => logits.Release();
}
