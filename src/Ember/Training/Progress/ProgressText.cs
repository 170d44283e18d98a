using System.Globalization;
using System.Text;

namespace Ember.Training;

/// <summary>The words of the progress output, shared by the plain lines and the live bar.</summary>
internal static class ProgressText
{
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>"Epoch 3/10 - 50/50 steps - 1.2s - 4123 samples/s - loss: 0.4321 - accuracy: 0.8750 - val_loss: … - lr: 0.001"</summary>
    public static string EpochLine(TrainingContext ctx)
    {
        var logs = ctx.Logs;
        var sb = new StringBuilder();
        sb.Append(Inv, $"Epoch {ctx.Epoch + 1}/{ctx.Epochs} - {ctx.Step}");
        if (ctx.StepsPerEpoch is { } n) sb.Append(Inv, $"/{n}");
        sb.Append(" steps");
        if (logs.TryGetValue("epoch_time", out var t)) sb.Append(" - ").Append(Duration(t));
        if (logs.TryGetValue("samples_per_second", out var sps)) sb.Append(Inv, $" - {sps:F0} samples/s");
        foreach (var (k, v) in logs)
            if (k is not ("epoch_time" or "samples_per_second")) sb.Append(" - ").Append(k).Append(": ").Append(Value(k, v));
        return sb.ToString();
    }

    public static string Value(string key, double v)
        => key == "lr" || key.EndsWith("_lr", StringComparison.Ordinal) ? v.ToString("G4", Inv) : v.ToString("F4", Inv);

    public static string Duration(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds)) return "?";
        if (seconds < 60) return seconds.ToString("F1", Inv) + "s";
        var ts = TimeSpan.FromSeconds(seconds);
        return ts.TotalHours >= 1 ? $"{(int)ts.TotalHours}:{ts.Minutes:D2}:{ts.Seconds:D2}" : $"{ts.Minutes}:{ts.Seconds:D2}";
    }
}
