using System.Diagnostics;
using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public class TransformTests
{
    static readonly Generator G = new(0);

    /// <summary>A [c, h, w] image whose pixel (p, y, x) is 100p + 10y + x: every value says where it came from.</summary>
    static Tensor Coded(int c, int h, int w)
    {
        var v = new float[c * h * w];
        for (int p = 0; p < c; p++) for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) v[(p * h + y) * w + x] = 100 * p + 10 * y + x;
        return Tensor.FromArray(v, c, h, w);
    }

    [Fact]
    public void ToTensorScalesBytesAndReordersChannelsLast()
    {
        byte[] hwc = [0, 255, 51, 102, 153, 204];   // [H=1, W=2, C=3]
        using var x = Tensor.FromArray(hwc, 1, 2, 3);
        using var y = new ToTensor().Apply(x, G);
        Assert.Equal([3, 1, 2], y.Shape);
        Assert.Equal(new[] { 0f, 102 / 255f, 1f, 153 / 255f, 51 / 255f, 204 / 255f }, y.ToArray<float>());

        using var chw = new ToTensor(channelsLast: false).Apply(x, G);
        Assert.Equal([1, 2, 3], chw.Shape);
        Assert.Equal(hwc.Select(b => b / 255f), chw.ToArray<float>());

        using var gray = Tensor.FromArray(new byte[] { 0, 255, 17, 34 }, 2, 2);
        using var g = new ToTensor().Apply(gray, G);
        Assert.Equal([1, 2, 2], g.Shape);

        using var f = Tensor.Zeros(1, 2, 2);
        Assert.Same(f, new ToTensor().Apply(f, G));
        using var bad = Tensor.Zeros([2, 2], DType.Int64);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => new ToTensor().Apply(bad, G)).Message);
    }

    [Fact]
    public void NormalizeIsPerChannel()
    {
        using var x = Coded(2, 2, 2);
        using var y = new Normalize([1f, 100f], [2f, 4f]).Apply(x, G);
        var expected = x.ToArray<float>().Select((v, i) => i < 4 ? (v - 1f) / 2f : (v - 100f) / 4f).ToArray();
        Assert.Equal(expected, y.ToArray<float>());
        Assert.Throws<ArgumentException>(() => new Normalize([0f], [0f]));
        Assert.Contains("[2, 2, 2]", Assert.Throws<ArgumentException>(() => new Normalize([0f, 0f, 0f], [1f, 1f, 1f]).Apply(x, G)).Message);
    }

    [Fact]
    public void FlipMirrorsEveryRowAndRespectsP()
    {
        using var x = Coded(2, 3, 4);
        using var y = RandomHorizontalFlip.Flip(x);
        var v = y.ToArray<float>();
        for (int p = 0; p < 2; p++) for (int r = 0; r < 3; r++) for (int c = 0; c < 4; c++)
            Assert.Equal(100 * p + 10 * r + (3 - c), v[(p * 3 + r) * 4 + c]);
        Assert.Same(x, new RandomHorizontalFlip(0).Apply(x, G));
        using var always = new RandomHorizontalFlip(1).Apply(x, G);
        Assert.Equal(v, always.ToArray<float>());
        // About half the samples are flipped with p = 0.5.
        int flipped = 0;
        for (int i = 0; i < 1000; i++)
        {
            var r = new RandomHorizontalFlip().Apply(x, SampleSeeds.Generator(1, 0, i));
            if (!ReferenceEquals(r, x)) { flipped++; r.Dispose(); }
        }
        Assert.InRange(flipped, 430, 570);
    }

    [Fact]
    public void CropCutsTheWindowAndPadsWithFill()
    {
        using var x = Coded(1, 4, 5);
        using var inside = RandomCrop.Crop(x, 1, 2, 2, 3);
        Assert.Equal(new float[] { 12, 13, 14, 22, 23, 24 }, inside.ToArray<float>());
        using var padded = RandomCrop.Crop(x, -1, 3, 3, 3, fill: -1);
        Assert.Equal(new float[] { -1, -1, -1, 3, 4, -1, 13, 14, -1 }, padded.ToArray<float>());

        // RandomCrop with padding 2 to the original size: every output is a shifted copy with fill around it.
        var crop = new RandomCrop(size: (4, 5), padding: 2, fill: -7);
        var offsets = new HashSet<(int, int)>();
        for (int i = 0; i < 300; i++)
        {
            using var y = crop.Apply(x, SampleSeeds.Generator(2, 0, i));
            var v = y.ToArray<float>();
            Assert.Equal([1, 4, 5], y.Shape);
            // Find the shift from any in-image pixel, then check every pixel against it.
            int k = Array.FindIndex(v, a => a >= 0);
            int dy = (int)v[k] / 10 - k / 5, dx = (int)v[k] % 10 - k % 5;
            offsets.Add((dy, dx));
            for (int r = 0; r < 4; r++) for (int c = 0; c < 5; c++)
            {
                int sy = r + dy, sx = c + dx;
                float expected = sy is >= 0 and < 4 && sx is >= 0 and < 5 ? 10 * sy + sx : -7;
                Assert.Equal(expected, v[r * 5 + c]);
            }
        }
        Assert.Equal(25, offsets.Count);   // all 5 × 5 positions occur
        Assert.Throws<ArgumentException>(() => new RandomCrop(10).Apply(x, G));
    }

    [Fact]
    public void ErasingSetsOneRectangleWithinTheScaleRange()
    {
        using var x = Coded(2, 10, 12);
        var erase = new RandomErasing(p: 1, scale: (0.1, 0.2), ratio: (0.5, 2), value: -1);
        for (int i = 0; i < 100; i++)
        {
            using var y = erase.Apply(x, SampleSeeds.Generator(3, 0, i));
            var v = y.ToArray<float>();
            var erased = Enumerable.Range(0, 120).Where(j => v[j] == -1).ToArray();
            Assert.NotEmpty(erased);
            int top = erased.Min(j => j / 12), bottom = erased.Max(j => j / 12), left = erased.Min(j => j % 12), right = erased.Max(j => j % 12);
            int area = (bottom - top + 1) * (right - left + 1);
            Assert.Equal(area, erased.Length);   // a full rectangle
            Assert.InRange(area, 6, 30);         // 0.1–0.2 of 120, give or take rounding of the sides
            var original = x.ToArray<float>();
            for (int j = 0; j < 240; j++)
                Assert.Equal(erased.Contains(j % 120) ? -1 : original[j], v[j]);   // the same rectangle in each channel
        }
        Assert.Same(x, new RandomErasing(p: 0).Apply(x, G));
        using var manual = RandomErasing.Erase(x, 1, 2, 2, 3, 0);
        Assert.Equal(0, manual.ToArray<float>()[1 * 12 + 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => RandomErasing.Erase(x, 9, 0, 2, 2, 0));
    }

    [Fact]
    public void RotationMatchesGridSampleReference()
    {
        foreach (var c in DataFixtures.Rotations)
        {
            using var x = FixtureTensor.Parse(c.GetProperty("input")).ToTensor();
            var expected = FixtureTensor.Parse(c.GetProperty("output"));
            using var y = RandomRotation.Rotate(x, c.GetProperty("degrees").GetDouble(), (float)c.GetProperty("fill").GetDouble());
            Assert.Equal(expected.Shape, y.Shape);
            var v = y.ToArray<float>();
            for (int i = 0; i < v.Length; i++)
                Assert.True(Math.Abs(v[i] - expected.Values[i]) < 2e-5, $"{c.GetProperty("name")}: element {i} is {v[i]}, expected {expected.Values[i]}");
        }
    }

    [Fact]
    public void RotationByZeroIsIdentityAndRandomAnglesStayInRange()
    {
        using var x = Coded(3, 5, 7);
        using var same = RandomRotation.Rotate(x, 0);
        Assert.Equal(x.ToArray<float>(), same.ToArray<float>());
        using var none = new RandomRotation(0).Apply(x, G);
        Assert.Equal(x.ToArray<float>(), none.ToArray<float>());
        // The centre pixel of an odd-sized image stays put under any rotation.
        using var turned = new RandomRotation(15).Apply(x, G);
        Assert.Equal(x.ToArray<float>()[2 * 7 + 3], turned.ToArray<float>()[2 * 7 + 3], 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomRotation(-1));
    }

    [Fact]
    public void ComposeChainsAndDisposesIntermediates()
    {
        var log = new List<Tensor>();
        var record = new Recorder(log);
        var pipeline = new Compose(record, new Normalize(0.5f, 0.5f), record, new RandomCrop(2), record, new RandomHorizontalFlip(1), record);
        using var x = Tensor.FromArray(new[] { 1f, 0, 0.5f, 0.5f }, 1, 2, 2);
        using var y = pipeline.Apply(x, G);
        Assert.Equal(new float[] { -1, 1, 0, 0 }, y.ToArray<float>());
        Assert.Same(x, log[0]);
        Assert.False(x.IsDisposed);
        Assert.True(log[1].IsDisposed);    // the normalised intermediate, replaced by the crop
        Assert.Same(y, log[2]);            // the crop's output is owned, so the flip works in place
        Assert.Same(y, log[3]);
        Assert.False(y.IsDisposed);
        Assert.Equal(new[] { 1f, 0, 0.5f, 0.5f }, x.ToArray<float>());

        // An owned input handed to Run is overwritten in place, or disposed when a step replaces it.
        var owned = Tensor.FromArray(new[] { 1f, 0, 0.5f, 0.5f }, 1, 2, 2);
        var same = TransformExtensions.Run(new Compose(new RandomHorizontalFlip(1), new Normalize(0.5f, 0.5f)), owned, G);
        Assert.Same(owned, same);
        Assert.Equal(new float[] { -1, 1, 0, 0 }, same.ToArray<float>());
        var replaced = TransformExtensions.Run(new Compose(new RandomCrop(1)), same, G);
        Assert.True(same.IsDisposed);
        replaced.Dispose();

        // A step that returns a view of the caller's image does not make that image the pipeline's to overwrite.
        using var viewed = new Compose(new ViewStep(), new Normalize(0.5f, 0.5f)).Apply(x, G);
        Assert.Equal(new float[] { 1, -1, 0, 0 }, viewed.ToArray<float>());
        Assert.Equal(new[] { 1f, 0, 0.5f, 0.5f }, x.ToArray<float>());
    }

    sealed class ViewStep : ITransform
    {
        public Tensor Apply(Tensor input, Generator generator) => input.Reshape(input.Shape);
    }

    [Fact]
    public void InPlaceStepsMatchTheirCopyingForms()
    {
        using var x = Tensor.Rand([3, 9, 11], new Generator(5));
        IInPlaceTransform[] steps = [new Normalize([0.1f, 0.2f, 0.3f], [0.5f, 2f, 3f]), new RandomHorizontalFlip(), new RandomErasing(p: 0.7, value: -3)];
        foreach (var step in steps)
            for (int i = 0; i < 40; i++)
            {
                var copy = step.Apply(x, SampleSeeds.Generator(6, 0, i));
                using var inPlace = x.Clone();
                step.ApplyInPlace(inPlace, SampleSeeds.Generator(6, 0, i));
                Assert.Equal(copy.ToArray<float>(), inPlace.ToArray<float>());
                if (!ReferenceEquals(copy, x)) copy.Dispose();
            }
    }

    sealed class Recorder(List<Tensor> log) : ITransform
    {
        public Tensor Apply(Tensor input, Generator generator) { log.Add(input); return input; }
    }

    [Fact]
    public void TransformsRejectNonImages()
    {
        using var v = Tensor.Zeros(5);
        Assert.Contains("[5]", Assert.Throws<ArgumentException>(() => new RandomHorizontalFlip().Apply(v, G)).Message);
        using var d = Tensor.Zeros([1, 2, 2], DType.Float64);
        Assert.Contains("Float64", Assert.Throws<ArgumentException>(() => new RandomCrop(1).Apply(d, G)).Message);
    }

    /// <summary>Run by <see cref="DataTimingTests"/>, alone.</summary>
    internal static void TimeAugmentation(Xunit.Abstractions.ITestOutputHelper output)
    {
        var pipeline = new Compose(new RandomCrop(28, padding: 2), new RandomHorizontalFlip(), new RandomErasing(0.5), new Normalize(0.286f, 0.353f));
        using var x = Tensor.Rand([1, 28, 28], new Generator(1));
        for (int i = 0; i < 2000; i++) pipeline.Apply(x, SampleSeeds.Generator(4, 0, i)).Dispose();   // warm up
        // Processor time rather than wall time, so a busy machine does not count against the transforms.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        for (int i = 0; i < 60_000; i++)
        {
            var y = pipeline.Apply(x, SampleSeeds.Generator(4, 0, i));
            if (!ReferenceEquals(y, x)) y.Dispose();
        }
        double ms = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        output.WriteLine($"60,000 augmentations: {ms:F0} ms of processor time");
        // Well under a second on an idle core; the bound leaves room for a loaded test machine.
        Assert.True(ms < 3000, $"60,000 augmentations took {ms:F0} ms of processor time");
    }
}
