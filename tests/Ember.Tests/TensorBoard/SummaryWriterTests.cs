using System.Net;
using System.Text.RegularExpressions;
using Ember.Imaging;
using Ember.Training;
using Ember.Training.TensorBoard.Protos;
using Xunit;

namespace Ember.Tests.TensorBoard;

public class SummaryWriterTests
{
    [Fact]
    public void EventFileStartsWithTheFileVersionAndHoldsTheScalars()
    {
        using var dir = new TempFolder();
        string path;
        using (var writer = new SummaryWriter(dir.Path))
        {
            path = writer.FilePath;
            for (int step = 0; step < 5; step++)
            {
                writer.AddScalar("loss/train", 1.0 / (step + 1), step);
                writer.AddScalar("accuracy", 0.1f * step, step * 10, wallTime: 1000 + step);
            }
        }

        Assert.Equal(path, EventFileReader.SingleFile(dir.Path));
        Assert.Matches(new Regex(@"^events\.out\.tfevents\.\d{10}\." + Regex.Escape(Dns.GetHostName()) + "$"), Path.GetFileName(path));
        var events = EventFileReader.ReadEvents(path);
        Assert.Equal(11, events.Count);
        Assert.Equal("brain.Event:2", events[0].FileVersion);
        double now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds;
        Assert.InRange(events[0].WallTime, now - 600, now + 1);

        var losses = events.Where(e => e.Summary?.Value[0].Tag == "loss/train").ToList();
        Assert.Equal([0L, 1, 2, 3, 4], losses.Select(e => e.Step));
        Assert.Equal([1f, 0.5f, 1f / 3, 0.25f, 0.2f], losses.Select(e => e.Summary.Value[0].SimpleValue));
        var accuracies = events.Where(e => e.Summary?.Value[0].Tag == "accuracy").ToList();
        Assert.Equal([0L, 10, 20, 30, 40], accuracies.Select(e => e.Step));
        Assert.Equal([1000.0, 1001, 1002, 1003, 1004], accuracies.Select(e => e.WallTime));
        Assert.All(accuracies, e => Assert.Equal(Summary.Types.Value.ValueOneofCase.SimpleValue, e.Summary.Value[0].ValueCase));
    }

    [Fact]
    public void AddScalarTakesAOneElementTensor()
    {
        using var dir = new TempFolder();
        using (var writer = new SummaryWriter(dir.Path))
        {
            using var loss = Tensor.FromArray([0.625f], 1);
            using var accuracy = Tensor.FromArray([0.875], 1, 1);
            writer.AddScalar("loss", loss, 3);
            writer.AddScalar("accuracy", accuracy, 4);
            using var two = Tensor.Zeros(2);
            var e = Assert.Throws<ArgumentException>(() => writer.AddScalar("bad", two, 0));
            Assert.Contains("[2]", e.Message);
        }
        var events = EventFileReader.ReadEvents(EventFileReader.SingleFile(dir.Path));
        Assert.Equal(0.625f, events[1].Summary.Value[0].SimpleValue);
        Assert.Equal(3, events[1].Step);
        Assert.Equal(0.875f, events[2].Summary.Value[0].SimpleValue);
    }

    [Fact]
    public void AddScalarsWritesOneRunFolderPerSeries()
    {
        using var dir = new TempFolder();
        using (var writer = new SummaryWriter(dir.Path))
        {
            writer.AddScalars("loss/epoch", new Dictionary<string, double> { ["train"] = 0.5, ["val"] = 0.75 }, 1);
            writer.AddScalars("loss/epoch", new Dictionary<string, double> { ["train"] = 0.25, ["val"] = 0.5 }, 2);
        }
        foreach (var (series, expected) in new[] { ("train", new[] { 0.5f, 0.25f }), ("val", new[] { 0.75f, 0.5f }) })
        {
            var events = EventFileReader.ReadEvents(EventFileReader.SingleFile(Path.Combine(dir.Path, "loss_epoch_" + series)));
            Assert.Equal("brain.Event:2", events[0].FileVersion);
            Assert.All(events.Skip(1), e => Assert.Equal("loss/epoch", e.Summary.Value[0].Tag));
            Assert.Equal(expected, events.Skip(1).Select(e => e.Summary.Value[0].SimpleValue));
            Assert.Equal([1L, 2], events.Skip(1).Select(e => e.Step));
        }
    }

    [Fact]
    public void HistogramRecordsMatchADirectCount()
    {
        using var dir = new TempFolder();
        var values = new float[400];
        var rng = new Random(7);
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(rng.NextDouble() * 6 - 3);
        using (var writer = new SummaryWriter(dir.Path))
        {
            using var t = Tensor.FromArray(values, 20, 20);
            writer.AddHistogram("weights", t, 5);
            writer.AddHistogram("weights/uniform", values, 6, bins: 12);
        }
        var events = EventFileReader.ReadEvents(EventFileReader.SingleFile(dir.Path));
        Assert.Equal(3, events.Count);
        Assert.Equal(5, events[1].Step);
        Assert.Equal("weights", events[1].Summary.Value[0].Tag);
        Assert.Equal("weights/uniform", events[2].Summary.Value[0].Tag);

        foreach (var e in events.Skip(1))
        {
            var h = e.Summary.Value[0].Histo;
            Assert.Equal(values.Length, h.Num);
            Assert.Equal(values.Min(), h.Min);
            Assert.Equal(values.Max(), h.Max);
            Assert.Equal(values.Sum(v => (double)v), h.Sum, 9);
            Assert.Equal(values.Sum(v => (double)v * v), h.SumSquares, 9);
            Assert.Equal(h.BucketLimit.Count, h.Bucket.Count);
            Assert.Equal(values.Length, h.Bucket.Sum());
            // Bucket i holds the values in [limit[i-1], limit[i]) (the last also its right limit); the first
            // bucket is the empty one left of the data.
            Assert.Equal(0, h.Bucket[0]);
            Assert.True(h.BucketLimit[0] <= values.Min());
            for (int i = 1; i < h.Bucket.Count; i++)
            {
                double lo = h.BucketLimit[i - 1], hi = h.BucketLimit[i];
                bool last = i == h.Bucket.Count - 1;
                long direct = values.Count(v => v >= lo && (v < hi || (last && v <= hi)));
                Assert.Equal(direct, (long)h.Bucket[i]);
            }
        }
        Assert.Equal(13, events[2].Summary.Value[0].Histo.Bucket.Count);
    }

    [Fact]
    public void ImagesKeepTheirBytesAndDimensions()
    {
        using var dir = new TempFolder();
        using var rgb = Tensor.Rand([3, 12, 20], new Generator(3));
        using var gray = Tensor.Rand([1, 7, 5], new Generator(4));
        byte[] png = ImageIO.EncodePng(rgb);
        using (var writer = new SummaryWriter(dir.Path))
        {
            writer.AddImage("input/rgb", png, 2);
            writer.AddImage("input/gray", gray, 3);
        }
        var events = EventFileReader.ReadEvents(EventFileReader.SingleFile(dir.Path));
        var first = events[1].Summary.Value[0];
        Assert.Equal("input/rgb", first.Tag);
        Assert.Equal((12, 20, 3), (first.Image.Height, first.Image.Width, first.Image.Colorspace));
        Assert.Equal(png, first.Image.EncodedImageString.ToByteArray());

        var second = events[2].Summary.Value[0];
        Assert.Equal(3, events[2].Step);
        Assert.Equal((7, 5, 1), (second.Image.Height, second.Image.Width, second.Image.Colorspace));
        using var decoded = ImageIO.DecodeImage(second.Image.EncodedImageString.ToByteArray());
        Assert.Equal([1, 7, 5], decoded.Shape);
    }

    [Fact]
    public void ACorruptedByteIsCaughtByTheCrc()
    {
        using var dir = new TempFolder();
        string path;
        using (var writer = new SummaryWriter(dir.Path))
        {
            path = writer.FilePath;
            writer.AddScalar("loss", 0.5, 1);
        }
        byte[] good = File.ReadAllBytes(path);
        Assert.Equal(2, EventFileReader.ReadRecords(good).Count);

        // One byte inside the second record's data, then one inside its length.
        int secondRecord = 12 + (int)BitConverter.ToUInt64(good, 0) + 4;
        foreach (int at in new[] { secondRecord + 14, secondRecord + 1 })
        {
            byte[] bad = (byte[])good.Clone();
            bad[at] ^= 0x10;
            var e = Assert.Throws<InvalidDataException>(() => EventFileReader.ReadRecords(bad));
            Assert.Contains("CRC", e.Message);
        }
    }

    [Fact]
    public void TheCrc32CIsTheCastagnoliCrc()
    {
        // The standard check value of CRC-32C: the CRC of the ASCII digits "123456789".
        Assert.Equal(0xE3069283u, EventFileReader.Crc32C("123456789"u8));
        var bytes = new byte[1000];
        new Random(1).NextBytes(bytes);
        for (int n = 0; n <= 20; n++)
            Assert.Equal(EventFileReader.Crc32C(bytes.AsSpan(0, n)), Ember.Training.TensorBoard.TfRecord.Crc32C(bytes.AsSpan(0, n)));
        Assert.Equal(EventFileReader.Masked(bytes), Ember.Training.TensorBoard.TfRecord.MaskedCrc32C(bytes));
    }

    [Fact]
    public void FlushAndAFullQueueMakeRecordsVisibleBeforeDispose()
    {
        using var dir = new TempFolder();
        using var writer = new SummaryWriter(dir.Path, maxQueue: 3);
        writer.AddScalar("a", 1, 1);
        Assert.Single(EventFileReader.ReadEvents(writer.FilePath));
        writer.Flush();
        Assert.Equal(2, EventFileReader.ReadEvents(writer.FilePath).Count);
        for (int i = 0; i < 3; i++)
            writer.AddScalar("a", i, i);
        Assert.Equal(5, EventFileReader.ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void ThePeriodicFlushWritesPendingRecords()
    {
        using var dir = new TempFolder();
        using var writer = new SummaryWriter(dir.Path, flushSeconds: 0.05);
        writer.AddScalar("a", 1, 1);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (EventFileReader.ReadEvents(writer.FilePath).Count < 2 && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Equal(2, EventFileReader.ReadEvents(writer.FilePath).Count);
    }

    [Fact]
    public void ManyThreadsWriteWholeRecords()
    {
        using var dir = new TempFolder();
        string path;
        using (var writer = new SummaryWriter(dir.Path, maxQueue: 7))
        {
            path = writer.FilePath;
            Parallel.For(0, 8, t =>
            {
                for (int i = 0; i < 150; i++)
                {
                    writer.AddScalar($"thread{t}", i, i);
                    if (i % 50 == 0)
                        writer.AddHistogram($"h{t}", new float[] { i, -i, 0.5f }, i);
                    if (i % 37 == 0)
                        writer.Flush();
                }
            });
        }
        var events = EventFileReader.ReadEvents(path);
        Assert.Equal(1 + 8 * 150 + 8 * 3, events.Count);
        for (int t = 0; t < 8; t++)
            Assert.Equal(Enumerable.Range(0, 150).Select(i => (long)i), events.Where(e => e.Summary?.Value[0].Tag == $"thread{t}").Select(e => e.Step));
    }

    [Fact]
    public void TwoWritersInOneFolderKeepSeparateFiles()
    {
        using var dir = new TempFolder();
        using (var a = new SummaryWriter(dir.Path))
        using (var b = new SummaryWriter(dir.Path))
        {
            a.AddScalar("a", 1, 1);
            b.AddScalar("b", 2, 1);
            Assert.NotEqual(a.FilePath, b.FilePath);
        }
        var files = Directory.GetFiles(dir.Path);
        Assert.Equal(2, files.Length);
        Assert.All(files, f => Assert.Equal(2, EventFileReader.ReadEvents(f).Count));
    }

    [Fact]
    public void BadInputIsRefusedWithAClearMessage()
    {
        using var dir = new TempFolder();
        using var writer = new SummaryWriter(dir.Path);
        Assert.Contains("tag is empty", Assert.Throws<ArgumentException>(() => writer.AddScalar("", 1, 0)).Message);
        Assert.Contains("not a PNG", Assert.Throws<ArgumentException>(() => writer.AddImage("img", new byte[40], 0)).Message);
        Assert.Contains("finite", Assert.Throws<ArgumentException>(() => writer.AddHistogram("h", new[] { 1f, float.NaN }, 0)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => writer.AddHistogram("h", Array.Empty<float>(), 0)).Message);
        Assert.Contains("bins must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => writer.AddHistogram("h", new[] { 1f }, 0, bins: 0)).Message);
        using var wrongShape = Tensor.Zeros(2, 3, 4, 5);
        Assert.Contains("[2, 3, 4, 5]", Assert.Throws<ArgumentException>(() => writer.AddImage("img", wrongShape, 0)).Message);
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("a", 1, 0));
    }
}
