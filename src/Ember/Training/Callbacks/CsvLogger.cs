using System.Globalization;
using System.Text;

namespace Ember.Training;

/// <summary>
/// Writes one row per epoch to a CSV file (Keras' CSVLogger): "epoch" (from 0) and then every log value,
/// columns in the first epoch's order, numbers in invariant culture with full precision. With
/// <c>append</c> (the default) a resumed run adds its rows to the existing file and keeps its header;
/// otherwise the file is started afresh. Each row is flushed at once, so a crash loses at most the epoch
/// in progress.
/// </summary>
public sealed class CsvLogger : Callback
{
    readonly string path;
    readonly bool append;
    readonly char separator;
    string[]? columns;

    public CsvLogger(string path = "metrics.csv", bool append = true, char separator = ',')
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        this.path = path;
        this.append = append;
        this.separator = separator;
    }

    public string Path => path;

    public override void OnTrainBegin(TrainingContext context)
    {
        columns = null;
        if (append && File.Exists(path))
        {
            string? header = File.ReadLines(path).FirstOrDefault();
            if (!string.IsNullOrEmpty(header)) columns = header.Split(separator).Skip(1).ToArray();
        }
        else if (File.Exists(path)) File.Delete(path);
    }

    public override void OnEpochEnd(TrainingContext context)
    {
        var logs = context.Logs;
        var sb = new StringBuilder();
        if (columns is null)
        {
            columns = [.. logs.Keys];
            sb.Append("epoch");
            foreach (var c in columns) sb.Append(separator).Append(c);
            sb.Append('\n');
        }
        sb.Append(context.Epoch.ToString(CultureInfo.InvariantCulture));
        foreach (var c in columns)
        {
            sb.Append(separator);
            if (logs.TryGetValue(c, out var v)) sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
        }
        sb.Append('\n');
        var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir != null) Directory.CreateDirectory(dir);
        File.AppendAllText(path, sb.ToString());
    }
}
