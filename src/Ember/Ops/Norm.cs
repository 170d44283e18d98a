using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Vector p-norms over any set of dims (torch.linalg.vector_norm) and their gradients.</summary>
public partial class Tensor
{
    /// <summary>
    /// The p-norm over <paramref name="dims"/> (all when null): p = 2 (Euclidean), 1, 0 (count of
    /// non-zeros), ±∞ (max/min of |x|), or any other p as (Σ|x|ᵖ)^(1/p). Integer inputs are computed in Float32.
    /// </summary>
    public Tensor Norm(float p = 2, int[]? dims = null, bool keepDim = false)
    {
        Live("Norm");
        if (float.IsNaN(p)) throw new ArgumentException("Norm: the order p is NaN; pass a number or ±infinity.");
        var ds = Shapes.NormalizeDims(dims, Rank, "Norm");
        if (float.IsInfinity(p))
            foreach (var d in ds)
                if (shape[d] == 0)
                    throw new ArgumentException($"Norm: the {p} norm over dim {d} of size 0 (shape {Shapes.Format(shape)}) is undefined: it is a {(p > 0 ? "maximum" : "minimum")} of no elements.");
        using var x = InDType(DType.ToFloating());
        Tensor y;
        using (GradMode.Disable())
        {
            if (p == 2)
            {
                using var squares = x * x;
                using var sum = Reduction.Run(squares, ds, keepDim, new SumReduce());
                y = sum.Sqrt();
            }
            else if (p == 0)
            {
                using var nonZero = x.Ne(0);
                using var ones = nonZero.To(x.DType);
                y = Reduction.Run(ones, ds, keepDim, new SumReduce());
            }
            else
            {
                using var abs = x.Abs();
                if (p == 1) y = Reduction.Run(abs, ds, keepDim, new SumReduce());
                else if (float.IsPositiveInfinity(p)) y = Reduction.Run(abs, ds, keepDim, new MaxReduce());
                else if (float.IsNegativeInfinity(p)) y = Reduction.Run(abs, ds, keepDim, new MinReduce());
                else
                {
                    using var powers = abs.Pow(p);
                    using var sum = Reduction.Run(powers, ds, keepDim, new SumReduce());
                    y = sum.Pow(1.0 / p);
                }
            }
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new NormBackward(new Saved(x, "Norm"), new Saved(y, "Norm"), p, ds, keepDim), this);
        return y;
    }

    /// <summary>PyTorch's norm_backward, case by case; where the norm is 0 the gradient is 0 (a subgradient).</summary>
    sealed class NormBackward(Saved x, Saved y, float p, int[] dims, bool keepDim) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var xv = x.Value;
            if (p == 0) return [ZerosLike(xv)];
            using var gk = KeepDims(g, xv.shape, dims, keepDim);
            if (p == 1)
            {
                using var sign = xv.Sign();
                return [gk * sign];
            }
            using var nk = KeepDims(y.Value, xv.shape, dims, keepDim);
            if (float.IsInfinity(p))
            {
                // Shared evenly among the elements whose |x| is the norm (NaNs count as such).
                using var abs = xv.Abs();
                using var equal = abs.Eq(nk);
                using var nan = abs.Ne(abs);
                using var hit = equal.LogicalOr(nan);
                using var mask = hit.To(g.DType);
                using var count = mask.Sum(dims, keepDim: true);
                using var share = gk / count;
                using var sign = xv.Sign();
                using var masked = mask * share;
                return [sign * masked];
            }
            if (p < 1)
            {
                // sgn(x)·|x|^(p−1) · g · norm^(1−p), with 0 where x = 0 (|x|^(p−1) is infinite there).
                using var abs = xv.Abs();
                using var pow = abs.Pow(p - 1.0);
                using var atZero = xv.Eq(0);
                using var powSafe = pow.MaskedFill(atZero, 0);
                using var sign = xv.Sign();
                using var scaled = sign * powSafe;
                using var normPow = nk.Pow(1.0 - p);
                using var factor = gk * normPow;
                return [scaled * factor];
            }
            // p ≥ 1: x·|x|^(p−2) (or sgn(x)·|x|^(p−1) below 2, finite at 0) times g / norm^(p−1), 0 where the norm is 0.
            Tensor selfScaled;
            if (p == 2) selfScaled = xv.Alias();
            else
            {
                using var abs = xv.Abs();
                if (p < 2)
                {
                    using var pow = abs.Pow(p - 1.0);
                    using var sign = xv.Sign();
                    selfScaled = sign * pow;
                }
                else
                {
                    using var pow = abs.Pow(p - 2.0);
                    selfScaled = xv * pow;
                }
            }
            using (selfScaled)
            {
                using var normPow = p == 2 ? nk.Alias() : nk.Pow(p - 1.0);
                using var q = gk / normPow;
                using var zero = nk.Eq(0);
                using var scale = q.MaskedFill(zero, 0);
                return [selfScaled * scale];
            }
        }
        protected override void ReleaseSaved() { x.Release(); y.Release(); }
    }
}
