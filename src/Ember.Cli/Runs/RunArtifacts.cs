using System.Text.Json;
using System.Text.Json.Nodes;
using Ember.Data;
using Ember.Plots;
using Ember.Training;

namespace Ember.Cli.Runs;

/// <summary>The files a finished run leaves besides its checkpoints: the plots and summary.json.</summary>
internal static class RunArtifacts
{
    public const string Curves = "curves.png", Confusion = "confusion_matrix.png", Predictions = "predictions.png", Summary = "summary.json";

    /// <summary>How many test images the prediction grid shows.</summary>
    public const int GridImages = 25;

    /// <summary>Loss and accuracy over the epochs, training solid and validation dashed.</summary>
    public static void SaveCurves(History history, string path)
    {
        var curves = new CurveHistory();
        foreach (var (key, label) in new[] { ("loss", "train loss"), ("val_loss", "validation loss"), ("accuracy", "train accuracy"), ("val_accuracy", "validation accuracy") })
        {
            var values = history[key];
            for (int e = 0; e < values.Length; e++)
                if (double.IsFinite(values[e])) curves.Add(label, history.Epochs[e].Epoch + 1, values[e]);
        }
        if (curves.Names.Count > 0) TrainingPlots.SaveLossAndMetrics(curves, path, metricLabel: "Accuracy");
    }

    /// <summary>The test confusion matrix and a grid of the first test images with their predicted and true classes.</summary>
    public static void SaveTestPlots(EvaluationResult test, MnistDataset rawTest, string directory)
    {
        ConfusionMatrixPlot.Save(test.Confusion, FashionMnist.ClassNames, Path.Combine(directory, Confusion), title: "Confusion matrix (test set)");
        int n = Math.Min(GridImages, test.Samples);
        var images = new List<Tensor>();
        try
        {
            for (int i = 0; i < n; i++) images.Add(rawTest.Get(i).Input);
            using var batch = Tensor.Stack([.. images]);
            ImageGridPlot.Save(batch, test.Predicted.AsSpan(0, n), test.Targets.AsSpan(0, n), FashionMnist.ClassNames,
                Path.Combine(directory, Predictions), title: "Test images: predicted and true classes");
        }
        finally
        {
            foreach (var t in images) t.Dispose();
        }
    }

    /// <summary>Per-class precision, recall and F1 as a JSON object keyed by class name.</summary>
    public static JsonObject PerClass(EvaluationResult r)
    {
        var o = new JsonObject();
        for (int c = 0; c < FashionMnist.ClassNames.Count; c++)
            o[FashionMnist.ClassNames[c]] = new JsonObject { ["precision"] = r.Precision[c], ["recall"] = r.Recall[c], ["f1"] = r.F1[c] };
        return o;
    }

    /// <summary>Writes <paramref name="summary"/> as indented JSON through a temporary file.</summary>
    public static void SaveSummary(JsonObject summary, string path)
    {
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, summary.ToJsonString(new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>The mean of a history series over the epochs that have it.</summary>
    public static double MeanOf(History history, string key)
    {
        var v = history[key].Where(double.IsFinite).ToArray();
        return v.Length > 0 ? v.Average() : double.NaN;
    }
}
