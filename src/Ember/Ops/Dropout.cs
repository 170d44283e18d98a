namespace Ember;

/// <summary>
/// Inverted dropout: in training each element (or, for feature dropout, each whole channel) is zeroed
/// with probability p and the survivors are scaled by 1/(1-p), so evaluation needs no rescaling. The
/// mask is drawn from the generator and saved; backward multiplies by the same mask.
/// </summary>
public partial class Tensor
{
    /// <summary>Zeroes elements with probability <paramref name="p"/> and scales the rest by 1/(1-p); the identity when not training.</summary>
    public Tensor Dropout(double p = 0.5, bool training = true, Generator? generator = null)
        => DropoutOp(p, training, generator, featureDims: 0, "Dropout");

    /// <summary>
    /// Zeroes whole channels: one draw per (n, c) for an input [N, C, ...], shared by all positions of the
    /// channel (PyTorch's feature_dropout, behind dropout1d/2d/3d).
    /// </summary>
    public Tensor FeatureDropout(double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (Rank < 2)
            throw new ArgumentException($"FeatureDropout: expected an input [N, C, ...] with at least 2 dims, got shape {Shapes.Format(shape)}.");
        return DropoutOp(p, training, generator, featureDims: 2, "FeatureDropout");
    }

    Tensor DropoutOp(double p, bool training, Generator? generator, int featureDims, string op)
    {
        Live(op);
        if (!(p >= 0 && p <= 1))
            throw new ArgumentException($"{op}: the probability p must lie in [0, 1], got {p}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {DType}.");
        if (!training || p == 0) return Identity(op);

        // The mask has the input's shape, or [N, C, 1, ...] for feature dropout, and holds 0 or 1/(1-p).
        var maskShape = (int[])shape.Clone();
        for (int d = featureDims; featureDims > 0 && d < maskShape.Length; d++) maskShape[d] = 1;
        var mask = MakeDropoutMask(maskShape, p, generator);
        Tensor y;
        using (GradMode.Disable()) y = this * mask;
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new DropoutBackward(new Saved(mask, op)), this);
        mask.Dispose();
        return y;
    }

    Tensor MakeDropoutMask(int[] maskShape, double p, Generator? generator)
    {
        var g = generator ?? Generator.Default;
        double scale = p == 1 ? 0 : 1 / (1 - p);
        if (DType == DType.Float32)
        {
            var mask = Allocate(maskShape, DType.Float32);
            var s = mask.Span<float>();
            float fs = (float)scale;
            lock (g) for (int i = 0; i < s.Length; i++) s[i] = g.NextDouble() < p ? 0f : fs;
            return mask;
        }
        var m64 = Allocate(maskShape, DType.Float64);
        var d = m64.Span<double>();
        lock (g) for (int i = 0; i < d.Length; i++) d[i] = g.NextDouble() < p ? 0 : scale;
        if (DType == DType.Float64) return m64;
        using (m64) return m64.ContiguousInDType(DType);
    }

    sealed class DropoutBackward(Saved mask) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g * mask.Value];
        protected override void ReleaseSaved() => mask.Release();
    }
}
