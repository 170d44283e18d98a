using System.Globalization;

namespace Ember.Data;

/// <summary>
/// Numeric tabular data from a CSV file: every column is a number, one of them the label. A sample is the
/// feature row as Float32 [F] and the label as a 0-d Float32 tensor; <see cref="AsClassification"/> gives class
/// indices instead. The header row is optional (detected when not said); errors name the file, line and column.
/// </summary>
public sealed class CsvDataset : Dataset<(Tensor Input, Tensor Label)>
{
    readonly float[] features;
    readonly double[] labels;

    CsvDataset(string source, string[] featureNames, string labelName, float[] features, double[] labels)
    {
        (Source, FeatureNames, LabelName, this.features, this.labels) = (source, featureNames, labelName, features, labels);
    }

    /// <summary>The file (or "text") the data came from.</summary>
    public string Source { get; }
    public IReadOnlyList<string> FeatureNames { get; }
    public string LabelName { get; }
    public int NumFeatures => FeatureNames.Count;
    public override int Count => labels.Length;
    public IReadOnlyList<double> Labels => labels;

    /// <summary>Reads a CSV file whose label column is named <paramref name="labelColumn"/> in the header.</summary>
    public static CsvDataset Load(string path, string labelColumn, char separator = ',')
        => Parse(File.ReadLines(path), path, labelColumn, null, hasHeader: true, separator);

    /// <summary>Reads a CSV file whose label is column <paramref name="labelColumn"/> (0-based; −1 is the last).</summary>
    public static CsvDataset Load(string path, int labelColumn = -1, bool? hasHeader = null, char separator = ',')
        => Parse(File.ReadLines(path), path, null, labelColumn, hasHeader, separator);

    /// <summary>Parses CSV lines; <paramref name="source"/> names them in errors.</summary>
    public static CsvDataset Parse(IEnumerable<string> lines, string source, string? labelName, int? labelIndex, bool? hasHeader, char separator = ',')
    {
        ArgumentNullException.ThrowIfNull(lines);
        string[]? header = null;
        int columns = -1, label = -1;
        var features = new List<float>();
        var labels = new List<double>();
        int lineNo = 0;
        foreach (var raw in lines)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var fields = raw.Split(separator);
            for (int i = 0; i < fields.Length; i++) fields[i] = fields[i].Trim().Trim('"');
            if (columns < 0)
            {
                columns = fields.Length;
                bool isHeader = hasHeader ?? fields.Any(f => !TryNumber(f, out _));
                if (isHeader) header = fields;
                label = ResolveLabel(header, columns, labelName, labelIndex, source);
                if (isHeader) continue;
            }
            if (fields.Length != columns)
                throw new InvalidDataException($"CSV '{source}' line {lineNo}: {fields.Length} fields, but the first row has {columns}.");
            for (int c = 0; c < columns; c++)
            {
                if (!TryNumber(fields[c], out double v))
                    throw new InvalidDataException($"CSV '{source}' line {lineNo}, column {c + 1}{(header != null ? $" ('{header[c]}')" : "")}: '{fields[c]}' is not a number.");
                if (c == label) labels.Add(v); else features.Add((float)v);
            }
        }
        if (columns < 0) throw new InvalidDataException($"CSV '{source}': there are no rows.");
        if (columns < 2) throw new InvalidDataException($"CSV '{source}': there is only one column; a feature column and a label column are needed.");
        var names = Enumerable.Range(0, columns).Where(c => c != label).Select(c => header?[c] ?? $"column{c}").ToArray();
        return new CsvDataset(source, names, header?[label] ?? $"column{label}", features.ToArray(), labels.ToArray());
    }

    static int ResolveLabel(string[]? header, int columns, string? labelName, int? labelIndex, string source)
    {
        if (labelName != null)
        {
            if (header == null)
                throw new InvalidDataException($"CSV '{source}': the label column '{labelName}' is given by name, but the file has no header row.");
            int i = Array.IndexOf(header, labelName);
            if (i < 0) throw new InvalidDataException($"CSV '{source}': there is no column named '{labelName}'; the header has {string.Join(", ", header.Select(h => $"'{h}'"))}.");
            return i;
        }
        int index = labelIndex ?? -1;
        int resolved = index < 0 ? columns + index : index;
        if (resolved < 0 || resolved >= columns)
            throw new ArgumentOutOfRangeException(nameof(labelIndex), $"CSV '{source}': label column {index} is out of range for {columns} columns.");
        return resolved;
    }

    static bool TryNumber(string s, out double v)
        => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v);

    public override (Tensor Input, Tensor Label) Get(int index)
    {
        CheckIndex(index);
        int f = NumFeatures;
        var x = Tensor.Allocate([f], DType.Float32);
        features.AsSpan(index * f, f).CopyTo(x.Span<float>());
        return (x, Tensor.Scalar((float)labels[index]));
    }

    /// <summary>The same rows with integer labels in [0, numClasses) as class indices (for CrossEntropy).</summary>
    public Dataset<(Tensor Input, long Label)> AsClassification(int numClasses)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] != Math.Floor(labels[i]) || labels[i] < 0 || labels[i] >= numClasses)
                throw new InvalidDataException($"CSV '{Source}': label {labels[i]} of row {i} is not a class index in [0, {numClasses}).");
        return Map((s, _) => { long y = (long)s.Label.Item<float>(); s.Label.Dispose(); return (s.Input, y); });
    }
}
