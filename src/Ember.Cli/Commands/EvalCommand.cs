using System.CommandLine;
using System.Globalization;
using Ember.Cli.Runs;
using Ember.Data;

namespace Ember.Cli.Commands;

/// <summary>`ember eval`: a run's checkpoint scored on the test set, overall and per class.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var checkpoint = CommonOptions.Checkpoint();
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var limit = NumberOption.Optional<int>("--limit", "Score only the first N test images.");
        var cmd = new Command("eval", "Score a trained run on the Fashion-MNIST test set: loss, accuracy, and precision, recall and F1 per class.")
        {
            run, checkpoint, data, threads, limit,
        };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("eval", io.Error, () => Run(r.GetValue(run)!, r.GetValue(checkpoint)!, r.GetValue(data), r.GetValue(threads), r.GetValue(limit), io.Output));
        });
        return cmd;
    }

    static int Run(string runDir, string checkpoint, string? dataDir, int? threads, int? limit, TextWriter output)
    {
        if (limit is < 1) throw new ArgumentException($"--limit must be at least 1, got {limit}.");
        CommonOptions.ApplyThreads(threads);
        var run = LoadedRun.Open(runDir, checkpoint);
        var data = run.Data(dataDir);
        using var loader = new DataLoader(data.TestSet(limit), TrainingRun.EvalBatchSize);
        var r = EvaluationResult.Of(run.Model, loader, FashionMnist.ClassNames.Count);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"Model: {run.Describe()}");
        output.WriteLine(string.Create(inv, $"Test set: {r.Samples:N0} images from {data.Directory}: loss {r.Loss:F4}, accuracy {r.Accuracy * 100:F2}%"));
        output.WriteLine();
        int width = FashionMnist.ClassNames.Max(n => n.Length) + 2;
        output.WriteLine($"{"class".PadRight(width)}precision  recall      f1  support");
        for (int c = 0; c < FashionMnist.ClassNames.Count; c++)
        {
            long support = 0;
            for (int p = 0; p < FashionMnist.ClassNames.Count; p++) support += r.Confusion[c, p];
            output.WriteLine(string.Create(inv, $"{FashionMnist.ClassNames[c].PadRight(width)}{r.Precision[c],9:F4} {r.Recall[c],7:F4} {r.F1[c],7:F4} {support,8}"));
        }
        output.WriteLine(string.Create(inv, $"{"macro avg".PadRight(width)}{r.Precision.Average(),9:F4} {r.Recall.Average(),7:F4} {r.F1.Average(),7:F4} {r.Samples,8}"));
        return 0;
    }
}
