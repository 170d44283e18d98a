using System.Numerics;
using System.Numerics.Tensors;
using Ember.NN;

namespace Ember.Optim;

/// <summary>Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_: in place on the parameters' gradients.</summary>
public static class GradClipping
{
    /// <summary>
    /// Scales all gradients together so their joint norm (of order <paramref name="normType"/>, taken over
    /// every element of every gradient; <c>double.PositiveInfinity</c> for the max-norm) is at most
    /// <paramref name="maxNorm"/>: each is multiplied by min(1, maxNorm / (total + 1e-6)). Parameters without
    /// a gradient are skipped.
    /// </summary>
    /// <returns>The total norm before clipping (0 when no parameter has a gradient).</returns>
    public static double ClipGradNorm(IEnumerable<Parameter> parameters, double maxNorm, double normType = 2, bool errorIfNonfinite = false)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm >= 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, $"ClipGradNorm: maxNorm must be non-negative, got {maxNorm}.");
        if (!(normType > 0)) throw new ArgumentOutOfRangeException(nameof(normType), normType, $"ClipGradNorm: normType must be positive or infinity, got {normType}.");
        var grads = Gradients(parameters, "ClipGradNorm");
        if (grads.Count == 0) return 0;

        // Σ|g|^p over everything (or max |g| for p = ∞), accumulated in double across tensors.
        double acc = 0;
        foreach (var g in grads)
        {
            using var c = g.ContiguousInDType(g.DType);
            acc = g.DType == DType.Float32 ? Accumulate<float>(c.Span<float>(), normType, acc) : Accumulate<double>(c.Span<double>(), normType, acc);
        }
        double total = double.IsPositiveInfinity(normType) ? acc : normType == 2 ? Math.Sqrt(acc) : normType == 1 ? acc : Math.Pow(acc, 1 / normType);
        if (errorIfNonfinite && !double.IsFinite(total))
            throw new InvalidOperationException($"ClipGradNorm: the total norm of order {normType} of the gradients of {grads.Count} parameter(s) is {total}, so they cannot be rescaled; pass errorIfNonfinite: false to clip anyway.");

        double coef = Math.Min(maxNorm / (total + 1e-6), 1.0);
        if (!(coef >= 1)) // a NaN norm spreads to the gradients, as in PyTorch
            foreach (var g in grads)
            {
                if (!g.IsContiguous) { g.MulInPlace(coef); continue; }
                if (g.DType == DType.Float32) TensorPrimitives.Multiply(g.Span<float>(), (float)coef, g.Span<float>());
                else TensorPrimitives.Multiply(g.Span<double>(), coef, g.Span<double>());
                g.BumpVersion();
            }
        return total;
    }

    /// <summary>Clamps every gradient element into [-clipValue, clipValue] (NaN stays NaN).</summary>
    public static void ClipGradValue(IEnumerable<Parameter> parameters, double clipValue)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(clipValue >= 0)) throw new ArgumentOutOfRangeException(nameof(clipValue), clipValue, $"ClipGradValue: clipValue must be non-negative, got {clipValue}.");
        foreach (var g in Gradients(parameters, "ClipGradValue"))
        {
            if (!g.IsContiguous)
            {
                using var clamped = g.Clamp(-clipValue, clipValue);
                g.CopyFrom(clamped);
                continue;
            }
            if (g.DType == DType.Float32) Clamp(g.Span<float>(), (float)clipValue);
            else Clamp(g.Span<double>(), clipValue);
            g.BumpVersion();
        }
    }

    static List<Tensor> Gradients(IEnumerable<Parameter> parameters, string op)
    {
        var grads = new List<Tensor>();
        foreach (var p in parameters)
        {
            if (p.Grad is not { } g) continue;
            if (g.DType is not (DType.Float32 or DType.Float64))
                throw new ArgumentException($"{op}: a gradient of shape [{string.Join(", ", g.Shape)}] is {g.DType}; clipping handles Float32 and Float64 gradients.");
            grads.Add(g);
        }
        return grads;
    }

    static double Accumulate<T>(ReadOnlySpan<T> g, double p, double acc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (g.IsEmpty) return acc;
        if (double.IsPositiveInfinity(p))
        {
            double m = double.CreateTruncating(T.Abs(TensorPrimitives.MaxMagnitude(g)));
            return double.IsNaN(m) || m > acc ? m : acc;
        }
        if (p == 2) return acc + double.CreateTruncating(TensorPrimitives.SumOfSquares(g));
        if (p == 1) return acc + double.CreateTruncating(TensorPrimitives.SumOfMagnitudes(g));
        foreach (var x in g) acc += Math.Pow(Math.Abs(double.CreateTruncating(x)), p);
        return acc;
    }

    static void Clamp<T>(Span<T> g, T c) where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Max(g, -c, g);
        TensorPrimitives.Min(g, c, g);
    }
}
