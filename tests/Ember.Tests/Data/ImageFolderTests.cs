using Ember.Data;
using SkiaSharp;
using Xunit;

namespace Ember.Tests.Data;

public sealed class ImageFolderTests : IDisposable
{
    readonly string root = Directory.CreateTempSubdirectory("ember-images-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    /// <summary>A w × h PNG whose pixel (x, y) is (10x, 10y, seed, 255).</summary>
    string Png(string cls, string name, int w, int h, byte seed)
    {
        Directory.CreateDirectory(Path.Combine(root, cls));
        using var bitmap = new SKBitmap(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bitmap.SetPixel(x, y, new SKColor((byte)(10 * x), (byte)(10 * y), seed, 255));
        string path = Path.Combine(root, cls, name);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
        return path;
    }

    [Fact]
    public void ClassesAreSortedFoldersAndImagesDecodeToCHW()
    {
        Png("zebra", "b.png", 3, 2, 7);
        Png("zebra", "a.png", 3, 2, 8);
        Png("ant", "only.PNG", 3, 2, 9);
        File.WriteAllText(Path.Combine(root, "ant", "notes.txt"), "not an image");
        var data = new ImageFolder(root);
        Assert.Equal(["ant", "zebra"], data.Classes);
        Assert.Equal(3, data.Count);
        Assert.Equal(["only.PNG", "a.png", "b.png"], data.Samples.Select(s => Path.GetFileName(s.Path)));
        var (x, y) = data[1];
        using (x)
        {
            Assert.Equal(1, y);
            Assert.Equal([3, 2, 3], x.Shape);
            var v = x.ToArray<float>();
            Assert.Equal(20 / 255f, v[0 * 6 + 0 * 3 + 2]);      // R of (x=2, y=0)
            Assert.Equal(10 / 255f, v[1 * 6 + 1 * 3 + 0]);      // G of (x=0, y=1)
            Assert.Equal(8 / 255f, v[2 * 6 + 4]);               // B everywhere
        }
        var gray = new ImageFolder(root, channels: 1);
        var (g, _) = gray[0];
        using (g)
        {
            Assert.Equal([1, 2, 3], g.Shape);
            // PIL's luma of (10, 10, 9): (10·299 + 10·587 + 9·114) / 1000 = 9.886 → 9.
            Assert.Equal(9 / 255f, g.ToArray<float>()[4]);
        }
        using var loader = new DataLoader(new ImageFolder(root, new RandomHorizontalFlip()), batchSize: 3, numWorkers: 2, seed: 1);
        var (bx, by) = loader.Single();
        using (bx) using (by)
        {
            Assert.Equal([3, 3, 2, 3], bx.Shape);
            Assert.Equal(new long[] { 0, 1, 1 }, by.ToArray<long>());
        }
    }

    [Fact]
    public void UnreadableImagesAndEmptyFoldersAreClearErrors()
    {
        Png("cat", "good.png", 2, 2, 1);
        string bad = Path.Combine(root, "cat", "broken.jpg");
        File.WriteAllText(bad, "this is not a JPEG");
        var data = new ImageFolder(root);
        int badIndex = data.Samples.Select(s => s.Path).ToList().IndexOf(bad);
        var e = Assert.Throws<InvalidDataException>(() => data[badIndex]);
        Assert.Contains(bad, e.Message);

        string empty = Directory.CreateTempSubdirectory("ember-empty-").FullName;
        try
        {
            Assert.Contains("no class sub-folders", Assert.Throws<InvalidDataException>(() => new ImageFolder(empty)).Message);
            Directory.CreateDirectory(Path.Combine(empty, "x"));
            Assert.Contains("no PNG or JPEG", Assert.Throws<InvalidDataException>(() => new ImageFolder(empty)).Message);
        }
        finally { Directory.Delete(empty, recursive: true); }
        Assert.Throws<DirectoryNotFoundException>(() => new ImageFolder(Path.Combine(root, "missing")));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageDecoder.Load(bad, channels: 2));
    }
}
