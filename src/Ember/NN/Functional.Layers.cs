namespace Ember.NN;

public static partial class Functional
{
    /// <summary>Inverted dropout (zero with probability p, scale the rest by 1/(1-p)); the identity when not training.</summary>
    public static Tensor Dropout(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        return input.Dropout(p, training, generator);
    }

    /// <summary>Channel dropout for [N, C, L] or unbatched [C, L].</summary>
    public static Tensor Dropout1d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (2 or 3))
            throw new ArgumentException($"Dropout1d: expected a 2-d [C, L] or 3-d [N, C, L] input, got shape {Shapes.Format(input.Shape)}.");
        if (input.Rank == 3) return input.FeatureDropout(p, training, generator);
        using var batched = input.Unsqueeze(0);
        using var y = batched.FeatureDropout(p, training, generator);
        return y.Squeeze(0);
    }

    /// <summary>Channel dropout for [N, C, H, W]; a 3-d input is read as [N, C, L] (one draw per (n, c)), as in PyTorch.</summary>
    public static Tensor Dropout2d(Tensor input, double p = 0.5, bool training = true, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (3 or 4))
            throw new ArgumentException($"Dropout2d: expected a 4-d [N, C, H, W] (or 3-d) input, got shape {Shapes.Format(input.Shape)}; use Dropout for other ranks.");
        return input.FeatureDropout(p, training, generator);
    }

    /// <summary>
    /// Looks up rows of <paramref name="weight"/> [num, dim] by the integer <paramref name="input"/>;
    /// with maxNorm the looked-up rows are first renormalised in place (see <see cref="NN.Embedding"/>).
    /// </summary>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null, double? maxNorm = null, double normType = 2,
        bool scaleGradByFreq = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (maxNorm is { } m)
            using (Autograd.NoGrad()) weight.EmbeddingRenormInPlace(input, m, normType);
        return Tensor.Embedding(input, weight, paddingIdx, scaleGradByFreq);
    }

    /// <summary>y[..., o] = Σᵢⱼ x₁[..., i]·W[o, i, j]·x₂[..., j] + b[o] for inputs [*, in1] and [*, in2].</summary>
    public static Tensor Bilinear(Tensor input1, Tensor input2, Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(input1);
        ArgumentNullException.ThrowIfNull(input2);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 3)
            throw new ArgumentException($"Bilinear: the weight must be 3-d [out, in1, in2], got shape {Shapes.Format(weight.Shape)}.");
        int outF = weight.Size(0), in1 = weight.Size(1), in2 = weight.Size(2);
        var s1 = input1.Shape; var s2 = input2.Shape;
        if (s1.Length == 0 || s2.Length == 0 || s1[^1] != in1 || s2[^1] != in2 || !s1[..^1].SequenceEqual(s2[..^1]))
            throw new ArgumentException(
                $"Bilinear: inputs of shapes {Shapes.Format(s1)} and {Shapes.Format(s2)} do not fit a weight of shape {Shapes.Format(weight.Shape)}; expected [*, {in1}] and [*, {in2}] with the same leading dims.");
        if (bias is not null && !bias.Shape.SequenceEqual([outF]))
            throw new ArgumentException($"Bilinear: the bias has shape {Shapes.Format(bias.Shape)}, expected [{outF}].");

        int[] outShape = [.. s1[..^1], outF];
        using var x1 = input1.Reshape(-1, in1);
        using var x2 = input2.Reshape(-1, in2);
        int n = x1.Size(0);
        // t[n, o, j] = Σᵢ x₁[n, i]·W[o, i, j], then y[n, o] = Σⱼ t[n, o, j]·x₂[n, j].
        using var wt = weight.Permute(1, 0, 2);
        using var w2 = wt.Reshape(in1, outF * in2);
        using var t = x1.MatMul(w2);
        using var t3 = t.Reshape(n, outF, in2);
        using var x2u = x2.Unsqueeze(1);
        using var prod = t3 * x2u;
        using var y = prod.Sum(2);
        if (bias is null) return y.Reshape(outShape);
        using var yb = y + bias;
        return yb.Reshape(outShape);
    }

    /// <summary>Splits dim <paramref name="dim"/> into <paramref name="sizes"/> (one may be -1), like torch.unflatten.</summary>
    public static Tensor Unflatten(Tensor input, int dim, int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(sizes);
        var shape = input.Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if (d < 0 || d >= shape.Length)
            throw new ArgumentException($"Unflatten: dim {dim} is out of range for an input of shape {Shapes.Format(shape)}.");
        long known = 1;
        int infer = -1;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] == -1 && infer < 0) { infer = i; continue; }
            if (sizes[i] < 0) throw new ArgumentException($"Unflatten: sizes ({string.Join(", ", sizes)}) may hold at most one -1 and no other negative value.");
            known *= sizes[i];
        }
        var resolved = (int[])sizes.Clone();
        if (infer >= 0 && known != 0 && shape[d] % known == 0) resolved[infer] = (int)(shape[d] / known);
        if ((infer >= 0 && (known == 0 || shape[d] % known != 0)) || (infer < 0 && known != shape[d]))
            throw new ArgumentException(
                $"Unflatten: dim {dim} of the input of shape {Shapes.Format(shape)} has size {shape[d]}, which cannot be split into ({string.Join(", ", sizes)}).");
        int[] target = [.. shape[..d], .. resolved, .. shape[(d + 1)..]];
        return input.Reshape(target);
    }
}
