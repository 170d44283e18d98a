namespace Ember.Data;

/// <summary>
/// A step of a data pipeline (torchvision.transforms). <see cref="Apply"/> returns a new tensor the caller owns,
/// or the input itself when it has nothing to do; it never disposes its input. Random transforms draw from the
/// generator they are given (the DataLoader's per-sample one), never from a shared stream.
/// </summary>
public interface ITransform
{
    Tensor Apply(Tensor input, Generator generator);
}

/// <summary>
/// A transform that can also overwrite a contiguous image its caller owns, drawing exactly the same random numbers
/// as <see cref="ITransform.Apply"/>; pipelines use it to save an allocation and a copy per sample.
/// </summary>
public interface IInPlaceTransform : ITransform
{
    void ApplyInPlace(Tensor image, Generator generator);
}

/// <summary>Applying transforms to datasets.</summary>
public static class TransformExtensions
{
    /// <summary>Applies <paramref name="transform"/> to each sample's input, disposing the untransformed input.</summary>
    public static Dataset<(Tensor Input, long Label)> WithTransform(this Dataset<(Tensor Input, long Label)> dataset, ITransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return dataset.Map((s, g) => (Run(transform, s.Input, g), s.Label));
    }

    /// <summary>Applies <paramref name="transform"/> to each sample, disposing the untransformed one.</summary>
    public static Dataset<Tensor> WithTransform(this Dataset<Tensor> dataset, ITransform transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return dataset.Map((x, g) => Run(transform, x, g));
    }

    /// <summary>
    /// Applies a transform to a tensor the caller hands over, in place where the transform allows: the input is
    /// disposed unless it is returned.
    /// </summary>
    public static Tensor Run(ITransform transform, Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(transform);
        if (transform is Compose compose) return compose.Apply(input, generator, inputOwned: true);
        if (transform is IInPlaceTransform inPlace && CanOverwrite(input))
        {
            inPlace.ApplyInPlace(input, generator);
            return input;
        }
        var y = transform.Apply(input, generator);
        if (!ReferenceEquals(y, input)) input.Dispose();
        return y;
    }

    /// <summary>
    /// Whether an owned tensor can be overwritten by an in-place transform: contiguous Float32, outside autograd,
    /// and the only tensor on its storage (a view returned by some step may share the caller's pixels).
    /// </summary>
    internal static bool CanOverwrite(Tensor t)
        => t.DType == DType.Float32 && t.IsContiguous && !t.RequiresGrad && t.Rank >= 2 && t.storage.RefCount == 1;
}
