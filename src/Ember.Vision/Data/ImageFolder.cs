namespace Ember.Data;

/// <summary>
/// Images arranged one folder per class, <c>root/cat/001.png</c>, <c>root/dog/xyz.jpg</c> (torchvision's
/// ImageFolder). Classes are the sub-folder names sorted ordinally, their indices in that order; files are sorted
/// too. A sample is the decoded image as Float32 [C, H, W] in [0, 1] after the optional transform, and the class
/// index. Images are decoded when fetched, so a bad file is reported when it is read, by name.
/// </summary>
public sealed class ImageFolder : Dataset<(Tensor Input, long Label)>
{
    static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];
    readonly (string Path, int Class)[] samples;

    public ImageFolder(string root, ITransform? transform = null, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"ImageFolder: there is no folder '{root}'.");
        if (channels is not (1 or 3 or 4))
            throw new ArgumentOutOfRangeException(nameof(channels), $"ImageFolder: {channels} channels were asked for; use 1, 3 or 4.");
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        if (classes.Length == 0) throw new InvalidDataException($"ImageFolder: '{root}' has no class sub-folders.");
        var list = new List<(string, int)>();
        for (int c = 0; c < classes.Length; c++)
            foreach (var file in Directory.GetFiles(Path.Combine(root, classes[c])).Order(StringComparer.Ordinal))
                if (Extensions.Contains(Path.GetExtension(file).ToLowerInvariant())) list.Add((file, c));
        if (list.Count == 0) throw new InvalidDataException($"ImageFolder: the class folders of '{root}' hold no PNG or JPEG files.");
        (Root, Classes, Transform, Channels, samples) = (root, classes, transform, channels, list.ToArray());
    }

    public string Root { get; }
    public IReadOnlyList<string> Classes { get; }
    public ITransform? Transform { get; }
    public int Channels { get; }

    /// <summary>Every sample's file and class index, in dataset order.</summary>
    public IReadOnlyList<(string Path, int Class)> Samples => samples;

    public override int Count => samples.Length;

    public override (Tensor Input, long Label) Get(int index) => Get(index, SampleSeeds.Generator(0, 0, index));

    public override (Tensor Input, long Label) Get(int index, Generator generator)
    {
        CheckIndex(index);
        var (path, cls) = samples[index];
        var x = ImageDecoder.Load(path, Channels);
        if (Transform != null) x = TransformExtensions.Run(Transform, x, generator);
        return (x, cls);
    }
}
