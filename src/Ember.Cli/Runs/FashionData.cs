using System.Globalization;
using Ember.Data;

namespace Ember.Cli.Runs;

/// <summary>
/// Fashion-MNIST as the tool uses it: the full set when it is found (or the folder given), else the bundled
/// subset; a seeded 10% of the training images held out for validation; inputs normalised with the training
/// set's mean and standard deviation, and the training images optionally augmented (random crop with 2 pixels
/// of padding, horizontal flip).
/// </summary>
internal sealed class FashionData
{
    /// <summary>The mean and standard deviation of Fashion-MNIST's training pixels in [0, 1].</summary>
    public const float Mean = 0.2860f, Std = 0.3530f;

    public const int FullTrainCount = 60_000;

    FashionData(MnistDataset train, MnistDataset test, string directory)
    {
        RawTrain = train;
        RawTest = test;
        Directory = directory;
    }

    /// <summary>The training images without transforms (pixels in [0, 1]).</summary>
    public MnistDataset RawTrain { get; }

    /// <summary>The test images without transforms (pixels in [0, 1]).</summary>
    public MnistDataset RawTest { get; }

    /// <summary>The folder the IDX files were read from.</summary>
    public string Directory { get; }

    /// <summary>"full" for all 60,000 training images, "subset" otherwise.</summary>
    public string Source => RawTrain.Count >= FullTrainCount ? "full" : "subset";

    /// <summary>The first words of a run: which data, how much, from where.</summary>
    public string Describe()
    {
        string? bundled = FashionMnist.FindBundledDirectory();
        bool isBundled = bundled != null && Path.GetFullPath(bundled).TrimEnd('/') == Path.GetFullPath(Directory).TrimEnd('/');
        string what = Source == "full" ? "the full Fashion-MNIST set" : isBundled ? "the bundled Fashion-MNIST subset" : "a Fashion-MNIST subset";
        return string.Create(CultureInfo.InvariantCulture, $"{what} ({RawTrain.Count:N0} training and {RawTest.Count:N0} test images, from {Directory})");
    }

    /// <summary>Reads both splits from <paramref name="directory"/>, or from wherever <see cref="FashionMnist"/> finds them.</summary>
    public static FashionData Load(string? directory)
    {
        if (directory != null && !System.IO.Directory.Exists(directory))
            throw new DirectoryNotFoundException($"--data: the folder '{directory}' does not exist.");
        var train = FashionMnist.Load(true, directory);
        var test = FashionMnist.Load(false, directory);
        if (train.Rows != 28 || train.Cols != 28 || test.Rows != 28 || test.Cols != 28)
            throw new InvalidDataException($"Fashion-MNIST images must be 28x28, but '{train.ImagesPath}' holds {train.Rows}x{train.Cols} and '{test.ImagesPath}' {test.Rows}x{test.Cols} images.");
        return new FashionData(train, test, Path.GetDirectoryName(train.ImagesPath) ?? ".");
    }

    /// <summary>Normalisation, after augmentation when <paramref name="augment"/> is set.</summary>
    public static ITransform Transform(bool augment)
    {
        var normalize = new Normalize(Mean, Std);
        return augment ? new Compose(new RandomCrop(28, padding: 2), new RandomHorizontalFlip(), normalize) : normalize;
    }

    /// <summary>
    /// The training, validation and test sets: the validation images are a seeded random part of the training
    /// images, and <paramref name="limit"/> caps the number of samples of each set (for quick runs).
    /// </summary>
    public (Dataset<(Tensor Input, long Label)> Train, Dataset<(Tensor Input, long Label)> Validation, Dataset<(Tensor Input, long Label)> Test)
        Splits(double validationFraction, ulong seed, bool augment, int? limit)
    {
        int n = RawTrain.Count;
        int held = Math.Max(1, (int)Math.Round(n * validationFraction));
        if (held >= n) throw new InvalidDataException($"'{RawTrain.ImagesPath}' holds only {n} images, too few to hold out a validation set.");
        var parts = Dataset.RandomSplit(RawTrain, [n - held, held], seed);
        int[] Cap(IReadOnlyList<int> indices) => indices.Take(limit ?? int.MaxValue).ToArray();
        var train = new Subset<(Tensor Input, long Label)>(RawTrain.WithTransform(Transform(augment)), Cap(parts[0].Indices));
        var validation = new Subset<(Tensor Input, long Label)>(RawTrain.WithTransform(Transform(false)), Cap(parts[1].Indices));
        return (train, validation, TestSet(limit));
    }

    /// <summary>The normalised test set, or its first <paramref name="limit"/> images.</summary>
    public Dataset<(Tensor Input, long Label)> TestSet(int? limit)
    {
        var test = RawTest.WithTransform(Transform(false));
        return limit is { } l && l < test.Count ? new Subset<(Tensor Input, long Label)>(test, Enumerable.Range(0, l).ToArray()) : test;
    }
}
