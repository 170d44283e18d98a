using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json;
using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public sealed class IdxTests : IDisposable
{
    readonly string dir = Directory.CreateTempSubdirectory("ember-idx-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    static string Bundled => FashionMnist.FindBundledDirectory() ?? throw new InvalidOperationException("the bundled Fashion-MNIST subset was not found");

    static byte[] Header(byte type, params uint[] dims)
    {
        var h = new byte[4 + 4 * dims.Length];
        h[2] = type;
        h[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(4 + 4 * d), dims[d]);
        return h;
    }

    string Write(string name, byte[] bytes, bool gzip = false)
    {
        string path = Path.Combine(dir, name);
        if (!gzip) { File.WriteAllBytes(path, bytes); return path; }
        using var file = File.Create(path);
        using var z = new GZipStream(file, CompressionLevel.Fastest);
        z.Write(bytes);
        return path;
    }

    static byte[] Images(int count, int rows, int cols, int dataBytes) => [.. Header(8, (uint)count, (uint)rows, (uint)cols), .. new byte[dataBytes]];

    [Theory]
    [InlineData("train")]
    [InlineData("t10k")]
    public void BundledFilesMatchTheirKnownContents(string split)
    {
        var facts = DataFixtures.Idx(split);
        var pixels = Idx.ReadImages(Path.Combine(Bundled, $"{split}-images-idx3-ubyte.gz"), out int count, out int rows, out int cols);
        var labels = Idx.ReadLabels(Path.Combine(Bundled, $"{split}-labels-idx1-ubyte.gz"), numClasses: 10);
        Assert.Equal(facts.GetProperty("count").GetInt32(), count);
        Assert.Equal((28, 28), (rows, cols));
        Assert.Equal(count * 28 * 28, pixels.Length);
        Assert.Equal(DataFixtures.Ints(facts.GetProperty("first_labels")), labels.Take(20).Select(b => (int)b));
        Assert.Equal(DataFixtures.Ints(facts.GetProperty("class_counts")), Enumerable.Range(0, 10).Select(c => labels.Count(l => l == c)));
        Assert.Equal(facts.GetProperty("pixel_sum").GetInt64(), pixels.Sum(b => (long)b));
    }

    [Fact]
    public void FashionMnistLoadsSamplesAsFloatImages()
    {
        var train = FashionMnist.Load(train: true, directory: Bundled);
        Assert.Equal(12_000, train.Count);
        Assert.Equal("T-shirt/top", train.ClassNames[0]);
        Assert.Equal("Ankle boot", train.ClassNames[9]);
        var (x, y) = train[0];
        using (x)
        {
            Assert.Equal([1, 28, 28], x.Shape);
            Assert.Equal(9, y);
            var v = x.ToArray<float>();
            Assert.All(v, p => Assert.InRange(p, 0f, 1f));
            long firstSum = DataFixtures.Idx("train").GetProperty("first_image_sum").GetInt64();
            Assert.Equal(firstSum, v.Sum(p => (long)Math.Round(p * 255)));
        }
        // Without a folder: the full set if installed, else the bundled one; the test split has 10,000 either way.
        var test = FashionMnist.Load(train: false);
        Assert.Equal(10_000, test.Count);
        Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(train: true, directory: dir));
    }

    [Fact]
    public void FashionMnistFeedsALoaderWithATransform()
    {
        var data = FashionMnist.Load(train: false, directory: Bundled, transform: new Compose(new RandomHorizontalFlip(), new Normalize(0.5f, 0.5f)));
        using var loader = new DataLoader(data, batchSize: 256, shuffle: true, seed: 3, numWorkers: 2);
        var (x, y) = loader.First();
        using (x) using (y)
        {
            Assert.Equal([256, 1, 28, 28], x.Shape);
            Assert.Equal([256], y.Shape);
            Assert.All(x.ToArray<float>(), p => Assert.InRange(p, -1f, 1f));
        }
        // The augmented batches do not depend on the number of workers.
        static float[][] FirstBatches(MnistDataset data, int workers)
        {
            using var l = new DataLoader(data, batchSize: 64, shuffle: true, seed: 5, numWorkers: workers);
            return l.Take(3).Select(b => { using (b) return b.Input.ToArray<float>(); }).ToArray();
        }
        var serial = FirstBatches(data, 0);
        Assert.Equal(serial, FirstBatches(data, 3));
        Assert.NotEqual(serial[0], FirstBatches(data.WithTransform(null), 0)[0]);
    }

    [Fact]
    public void PlainAndGzipFilesReadAlike()
    {
        var bytes = Images(2, 2, 3, 12);
        for (int i = 0; i < 12; i++) bytes[16 + i] = (byte)(i * 20);
        var plain = Idx.ReadImages(Write("a", bytes), out int n, out _, out _);
        var gz = Idx.ReadImages(Write("a.gz", bytes, gzip: true), out _, out _, out _);
        Assert.Equal(2, n);
        Assert.Equal(plain, gz);
        Assert.Equal(bytes[16..], plain);
    }

    void Fails(string path, string expected, Action<string>? read = null)
    {
        read ??= p => Idx.ReadImages(p, out _, out _, out _);
        var e = Assert.Throws<InvalidDataException>(() => read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CorruptFilesAreRejectedWithTheReason(bool gzip)
    {
        var good = Images(3, 2, 2, 12);
        Fails(Write("magic", [1, 2, .. good[2..]], gzip), "bad magic number");
        Fails(Write("type", [.. Header(0x0D, 3, 2, 2), .. new byte[48]], gzip), "type code 0x0D");
        Fails(Write("rank", [.. Header(8, 3, 4), .. new byte[12]], gzip), "2 dimensions");
        Fails(Write("truncated", good[..^1], gzip), "truncated");
        Fails(Write("header", good[..10], gzip), "header");
        Fails(Write("short", good[..2], gzip), "shorter than");
        Fails(Write("trailing", [.. good, 7], gzip), "trailing data");
        Fails(Write("labels", [.. Header(8, 4), 0, 1, 10, 2], gzip), "label 10 at index 2 is out of range for 10 classes", p => Idx.ReadLabels(p, 10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AHugeHeaderCountDoesNotAllocate(bool gzip)
    {
        // 2^31 − 1 images of 28 × 28 would be 1.7 TB: the file must be rejected from its length or by truncation.
        var path = Write("huge", [.. Header(8, int.MaxValue, 28, 28), .. new byte[784 * 3]], gzip);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Fails(path, gzip ? "more than one array can hold" : "holds only");
        // 2·10^9 one-pixel images fit one array, so a compressed file is read until it runs out.
        Fails(Write("big", [.. Header(8, 2_000_000_000, 1, 1), .. new byte[5000]], gzip), gzip ? "truncated" : "holds only");
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20, "reading the bad files allocated more than 16 MB");
        var labels = Write("hugelabels", [.. Header(8, 0x8000_0000u), 1, 2], gzip);
        Fails(labels, "more than can be indexed", p => Idx.ReadLabels(p));
    }

    [Fact]
    public void ImagesAndLabelsMustPairUp()
    {
        var images = Write("i", Images(3, 2, 2, 12));
        var labels = Write("l", [.. Header(8, 2), 0, 1]);
        var e = Assert.Throws<InvalidDataException>(() => new MnistDataset(images, labels));
        Assert.Contains("3 images", e.Message);
        Assert.Contains("2 labels", e.Message);
        var bad = Write("l2", [.. Header(8, 3), 0, 1, 3]);
        Assert.Contains("label 3", Assert.Throws<InvalidDataException>(() => new MnistDataset(images, bad, numClasses: 3)).Message);
    }
}
