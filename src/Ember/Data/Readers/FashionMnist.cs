namespace Ember.Data;

/// <summary>
/// Fashion-MNIST (Zalando, MIT licence): 28×28 grayscale images of clothing in ten classes, 60,000 for training
/// and 10,000 for testing. <see cref="Load"/> reads the full set from a given folder or from Debian's
/// dataset-fashion-mnist package, and otherwise the subset bundled in the repository's data/fashion-mnist
/// (the first 12,000 training images and all test images).
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the full set.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The bundled subset's folder, relative to the repository root.</summary>
    public const string BundledRelativePath = "data/fashion-mnist";

    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>
    /// The training or test split. With <paramref name="directory"/>, the files must be there; without, the
    /// system folder is tried and then the bundled subset, found beside the application or by walking up from
    /// the current directory.
    /// </summary>
    public static MnistDataset Load(bool train, string? directory = null, ITransform? transform = null)
    {
        string prefix = train ? "train" : "t10k";
        string dir = directory ?? FindDirectory(prefix)
            ?? throw new DirectoryNotFoundException($"FashionMnist: found neither the full set in {SystemDirectory} (apt-get install dataset-fashion-mnist) nor the bundled subset in {BundledRelativePath} above '{AppContext.BaseDirectory}' or '{Environment.CurrentDirectory}'; pass the folder that holds the IDX files.");
        string images = FindFile(dir, $"{prefix}-images-idx3-ubyte")
            ?? throw new FileNotFoundException($"FashionMnist: '{dir}' has no {prefix}-images-idx3-ubyte(.gz) file.");
        string labels = FindFile(dir, $"{prefix}-labels-idx1-ubyte")
            ?? throw new FileNotFoundException($"FashionMnist: '{dir}' has no {prefix}-labels-idx1-ubyte(.gz) file.");
        return new MnistDataset(images, labels, 10, transform, ClassNames);
    }

    /// <summary>The bundled subset's folder, or null if it cannot be found.</summary>
    public static string? FindBundledDirectory()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, BundledRelativePath);
                if (FindFile(candidate, "t10k-labels-idx1-ubyte") != null) return candidate;
            }
        return null;
    }

    static string? FindDirectory(string prefix)
    {
        if (FindFile(SystemDirectory, $"{prefix}-images-idx3-ubyte") != null && FindFile(SystemDirectory, $"{prefix}-labels-idx1-ubyte") != null)
            return SystemDirectory;
        return FindBundledDirectory();
    }

    static string? FindFile(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path)) return path;
        }
        return null;
    }
}
