using Ember.Data;
using Xunit;

namespace Ember.Tests.Data;

public class CsvTests
{
    static CsvDataset Parse(string text, string? labelName = null, int? labelIndex = null, bool? hasHeader = null)
        => CsvDataset.Parse(text.Split('\n'), "test.csv", labelName, labelIndex, hasHeader);

    [Fact]
    public void ReadsFeaturesAndLabelByName()
    {
        var data = Parse("a,kind,b\n1.5,0,2\n\n-3,2,4e-1\n", labelName: "kind");
        Assert.Equal(2, data.Count);
        Assert.Equal(["a", "b"], data.FeatureNames);
        Assert.Equal("kind", data.LabelName);
        var (x, y) = data[1];
        using (x) using (y)
        {
            Assert.Equal(new[] { -3f, 0.4f }, x.ToArray<float>());
            Assert.Equal(2f, y.Item<float>());
        }
        var classes = data.AsClassification(3);
        var (cx, cy) = classes[0];
        cx.Dispose();
        Assert.Equal(0, cy);
        Assert.Contains("label 2", Assert.Throws<InvalidDataException>(() => data.AsClassification(2)).Message);
    }

    [Fact]
    public void HeaderIsOptionalAndTheLabelCanBeAnyColumn()
    {
        var noHeader = Parse("1,2,3\n4,5,6");
        Assert.Equal(2, noHeader.Count);
        Assert.Equal([3.0, 6.0], noHeader.Labels);
        var first = Parse("1,2,3\n4,5,6", labelIndex: 0);
        Assert.Equal([1.0, 4.0], first.Labels);
        var (x, y) = first[1];
        using (x) using (y) Assert.Equal(new[] { 5f, 6f }, x.ToArray<float>());
        var forcedHeader = Parse("1,2,3\n4,5,6", hasHeader: true);
        Assert.Equal(1, forcedHeader.Count);
    }

    [Fact]
    public void ErrorsNameTheLineAndColumn()
    {
        var e = Assert.Throws<InvalidDataException>(() => Parse("a,b\n1,2\n3,x\n", labelName: "b"));
        Assert.Contains("test.csv", e.Message);
        Assert.Contains("line 3", e.Message);
        Assert.Contains("column 2 ('b')", e.Message);
        Assert.Contains("'x'", e.Message);
        Assert.Contains("line 3: 3 fields", Assert.Throws<InvalidDataException>(() => Parse("a,b\n1,2\n3,4,5")).Message);
        Assert.Contains("no column named 'c'", Assert.Throws<InvalidDataException>(() => Parse("a,b\n1,2", labelName: "c")).Message);
        Assert.Contains("no header", Assert.Throws<InvalidDataException>(() => Parse("1,2\n1,2", labelName: "a")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Parse("1,2\n1,2", labelIndex: 5));
        Assert.Contains("no rows", Assert.Throws<InvalidDataException>(() => Parse("\n\n")).Message);
    }

    [Fact]
    public void LoadsFromAFileAndBatches()
    {
        string path = Path.Combine(Path.GetTempPath(), $"ember-csv-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllLines(path, ["x1,x2,y", .. Enumerable.Range(0, 10).Select(i => $"{i},{i * 2},{i % 3}")]);
            var data = CsvDataset.Load(path, "y");
            using var loader = new DataLoader<(Tensor Input, Tensor Label), Batch>(data, Collate.Default, batchSize: 4);
            var batches = loader.ToList();
            Assert.Equal([4, 2], batches[0].Input.Shape);
            Assert.Equal([4], batches[0].Target.Shape);
            Assert.Equal(new float[] { 0, 1, 2, 0 }, batches[0].Target.ToArray<float>());
            foreach (var b in batches) b.Dispose();
        }
        finally { File.Delete(path); }
    }
}
