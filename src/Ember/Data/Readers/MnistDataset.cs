namespace Ember.Data;

/// <summary>
/// Grayscale images with class labels read from a pair of IDX files (MNIST, Fashion-MNIST, KMNIST, …). A sample is
/// the image as Float32 [1, H, W] in [0, 1] (ToTensor already applied) and its label, after the optional transform.
/// </summary>
public sealed class MnistDataset : Dataset<(Tensor Input, long Label)>
{
    readonly byte[] images, labels;

    public MnistDataset(string imagesPath, string labelsPath, int numClasses = 10, ITransform? transform = null, IReadOnlyList<string>? classNames = null)
    {
        if (numClasses <= 0 || numClasses > 256)
            throw new ArgumentOutOfRangeException(nameof(numClasses), $"MnistDataset: numClasses {numClasses} must be in 1…256 for byte labels.");
        if (classNames != null && classNames.Count != numClasses)
            throw new ArgumentException($"MnistDataset: {classNames.Count} class names were given for {numClasses} classes.", nameof(classNames));
        images = Idx.ReadImages(imagesPath, out int count, out int rows, out int cols);
        labels = Idx.ReadLabels(labelsPath, numClasses);
        if (labels.Length != count)
            throw new InvalidDataException($"MnistDataset: '{imagesPath}' holds {count} images but '{labelsPath}' holds {labels.Length} labels; they must match one to one.");
        (Rows, Cols, NumClasses) = (rows, cols, numClasses);
        (ImagesPath, LabelsPath, Transform) = (imagesPath, labelsPath, transform);
        ClassNames = classNames ?? Enumerable.Range(0, numClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    public string ImagesPath { get; }
    public string LabelsPath { get; }
    public int Rows { get; }
    public int Cols { get; }
    public int NumClasses { get; }
    public IReadOnlyList<string> ClassNames { get; }
    public ITransform? Transform { get; }

    /// <summary>All pixels, [Count · Rows · Cols] bytes, row-major.</summary>
    public ReadOnlySpan<byte> Pixels => images;

    /// <summary>All labels, one byte each.</summary>
    public ReadOnlySpan<byte> Labels => labels;

    public override int Count => labels.Length;

    /// <summary>A copy of this dataset's data with another transform.</summary>
    public MnistDataset WithTransform(ITransform? transform) => new(this, transform);

    MnistDataset(MnistDataset source, ITransform? transform)
    {
        (images, labels, Rows, Cols, NumClasses) = (source.images, source.labels, source.Rows, source.Cols, source.NumClasses);
        (ImagesPath, LabelsPath, ClassNames, Transform) = (source.ImagesPath, source.LabelsPath, source.ClassNames, transform);
    }

    public override (Tensor Input, long Label) Get(int index) => Get(index, SampleSeeds.Generator(0, 0, index));

    public override (Tensor Input, long Label) Get(int index, Generator generator)
    {
        CheckIndex(index);
        int size = Rows * Cols;
        var x = Tensor.Allocate([1, Rows, Cols], DType.Float32);
        ToTensor.FromBytes(images.AsSpan(index * size, size), x.Span<float>(), 1, size, interleaved: false);
        if (Transform != null) x = TransformExtensions.Run(Transform, x, generator);
        return (x, labels[index]);
    }
}
