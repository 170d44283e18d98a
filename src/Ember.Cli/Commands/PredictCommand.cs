using System.CommandLine;
using System.Globalization;
using Ember.Cli.Runs;
using Ember.Data;

namespace Ember.Cli.Commands;

/// <summary>`ember predict`: the classes a trained run gives images, with probabilities.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "Image files (PNG, JPEG, …; converted to 28×28 gray) or data-set samples such as test:17 or train:5.",
            Arity = ArgumentArity.OneOrMore,
        };
        var run = CommonOptions.Run();
        var checkpoint = CommonOptions.Checkpoint();
        var data = CommonOptions.Data();
        var threads = CommonOptions.Threads();
        var top = NumberOption.WithDefault("--top", "How many classes to show per input.", 3);
        var cmd = new Command("predict", "Classify images with a trained run: the most likely classes and their probabilities.")
        {
            inputs, run, checkpoint, data, threads, top,
        };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("predict", io.Error, () => Run(r.GetValue(inputs)!, r.GetValue(run)!, r.GetValue(checkpoint)!, r.GetValue(data), r.GetValue(threads), r.GetValue(top), io.Output));
        });
        return cmd;
    }

    static int Run(string[] inputs, string runDir, string checkpoint, string? dataDir, int? threads, int top, TextWriter output)
    {
        int classes = FashionMnist.ClassNames.Count;
        if (top < 1 || top > classes) throw new ArgumentException($"--top must be between 1 and {classes}, got {top}.");
        CommonOptions.ApplyThreads(threads);
        var run = LoadedRun.Open(runDir, checkpoint);
        FashionData? data = null;
        MnistDataset Split(bool train) => (data ??= run.Data(dataDir)) is var d && train ? d.RawTrain : d.RawTest;

        // Every input is read before anything is printed, so a bad one fails the whole call with its own message.
        var images = new List<(string Name, Tensor Image, long? Label)>();
        try
        {
            foreach (var input in inputs)
            {
                if (ImageInput.IsSample(input))
                {
                    var (image, label) = ImageInput.Sample(input, Split);
                    images.Add((input, image, label));
                }
                else images.Add((input, ImageInput.File28(input), null));
            }
            using var batch = Tensor.Stack([.. images.Select(i => i.Image)]);
            // The normalisation of training, Normalize's subtract-then-divide.
            using var centered = batch - FashionData.Mean;
            using var x = centered / FashionData.Std;
            using var _ = Autograd.NoGrad();
            using var logits = run.Model.Forward(x);
            using var probs = logits.Softmax(1);
            var p = probs.ToArray<float>();
            output.WriteLine($"Model: {run.Describe()}");
            for (int i = 0; i < images.Count; i++)
            {
                var order = Enumerable.Range(0, classes).OrderByDescending(c => p[i * classes + c]).Take(top).ToArray();
                var best = string.Join(", ", order.Select(c => string.Create(CultureInfo.InvariantCulture, $"{FashionMnist.ClassNames[c]} {p[i * classes + c] * 100:F1}%")));
                string truth = images[i].Label is { } l ? $" (true: {FashionMnist.ClassNames[(int)l]})" : "";
                output.WriteLine($"{images[i].Name}: {best}{truth}");
            }
        }
        finally
        {
            foreach (var i in images) i.Image.Dispose();
        }
        return 0;
    }
}
