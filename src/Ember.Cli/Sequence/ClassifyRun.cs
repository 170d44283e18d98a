using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Ember.Cli.Runs;
using Ember.Data.Synthetic;
using Ember.Optim;
using F = Ember.NN.Functional;

namespace Ember.Cli.Sequence;

/// <summary>The options of `ember rnn classify`.</summary>
internal sealed record ClassifySettings(string Cell, int Epochs, int Hidden, int Samples, double LearningRate, int BatchSize, ulong Seed, int? Threads, string Out, bool Quiet);

/// <summary>
/// `ember rnn classify`: an LSTM or GRU learns which of four waveform shapes a noisy sequence of random length
/// follows (<see cref="WaveformSequences"/>), reading each padded batch only up to each sequence's own length; it is
/// scored on a separate test set against the chance and majority-class baselines.
/// </summary>
internal sealed class ClassifyRun(ClassifySettings s, TextWriter output)
{
    public const string Format = "ember-rnn-classify";
    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        Validate();
        RnnRunFolder.ApplyThreads(s.Threads);
        var train = new WaveformSequences(s.Samples, s.Seed);
        var test = new WaveformSequences(Math.Max(1, s.Samples / 4), unchecked(s.Seed + 1000));
        RnnRunFolder.Prepare(s.Out, Format, new JsonObject
        {
            ["cell"] = s.Cell, ["epochs"] = s.Epochs, ["hidden"] = s.Hidden, ["samples"] = s.Samples, ["lr"] = s.LearningRate,
            ["batch_size"] = s.BatchSize, ["seed"] = s.Seed, ["min_length"] = train.MinLength, ["max_length"] = train.MaxLength,
            ["noise_std"] = train.NoiseStd, ["classes"] = new JsonArray([.. WaveformSequences.ClassNames.Select(n => (JsonNode)n)]),
        });

        int classes = WaveformSequences.NumClasses;
        var model = new RecurrentClassifier(s.Cell, s.Hidden, classes, new Generator(unchecked(s.Seed + 1)));
        var optimizer = new Adam(model.Parameters(), s.LearningRate);
        int stepsPerEpoch = (train.Count + s.BatchSize - 1) / s.BatchSize;
        var schedule = new CosineAnnealingLR(optimizer, s.Epochs * stepsPerEpoch);
        var shuffle = new Generator(unchecked(s.Seed + 2));
        if (!s.Quiet)
            output.WriteLine(string.Create(Inv, $"Data: {train.Count} training and {test.Count} test sequences of {train.MinLength} to {train.MaxLength} steps, {classes} classes ({string.Join(", ", WaveformSequences.ClassNames)}), noise σ {train.NoiseStd}. Model: {s.Cell.ToUpperInvariant()}({s.Hidden}) → Linear ({model.ParameterCount:N0} parameters), {s.Epochs} epochs of {stepsPerEpoch} steps, Adam lr {s.LearningRate} on a cosine."));

        var csv = new List<string> { "epoch,loss,accuracy,test_accuracy,seconds" };
        for (int epoch = 0; epoch < s.Epochs; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var order = RnnRunFolder.Shuffle(train.Count, shuffle);
            double lossSum = 0;
            long correct = 0;
            model.Train();
            for (int start = 0; start < order.Length; start += s.BatchSize)
            {
                var (inputs, lengths, labels) = train.PaddedBatch(order[start..Math.Min(order.Length, start + s.BatchSize)]);
                using (inputs)
                using (labels)
                {
                    using var logits = model.Forward(inputs, lengths);
                    using var loss = F.CrossEntropy(logits, labels);
                    loss.Backward();
                    GradClipping.ClipGradNorm(model.Parameters(), 1.0);
                    optimizer.Step();
                    optimizer.ZeroGrad();
                    schedule.Step();
                    lossSum += loss.Item<float>() * (double)lengths.Length;
                    correct += Correct(logits, labels);
                }
            }
            double testAccuracy = Accuracy(model, test);
            csv.Add(string.Create(Inv, $"{epoch},{lossSum / train.Count:R},{(double)correct / train.Count:R},{testAccuracy:R},{epochClock.Elapsed.TotalSeconds:R}"));
            if (!s.Quiet)
                output.WriteLine(string.Create(Inv, $"epoch {epoch + 1,3}/{s.Epochs}  loss {lossSum / train.Count:F4}  accuracy {100.0 * correct / train.Count:F1}%  test accuracy {testAccuracy * 100:F1}%  ({epochClock.Elapsed.TotalSeconds:F1} s)"));
        }

        double accuracy = Accuracy(model, test);
        // The majority baseline predicts the class most common in training for every test sequence.
        var trainCounts = train.ClassCounts();
        int majority = Array.IndexOf(trainCounts, trainCounts.Max());
        double majorityAccuracy = (double)test.ClassCounts()[majority] / test.Count;
        model.Save(Path.Combine(s.Out, RnnRunFolder.Model));
        File.WriteAllLines(Path.Combine(s.Out, RnnRunFolder.Metrics), csv);
        var summary = new JsonObject
        {
            ["test_accuracy"] = accuracy,
            ["baselines"] = new JsonObject
            {
                ["chance"] = 1.0 / classes,
                ["majority"] = majorityAccuracy,
                ["majority_class"] = WaveformSequences.ClassNames[majority],
            },
            ["cell"] = s.Cell,
            ["train_samples"] = train.Count,
            ["test_samples"] = test.Count,
            ["parameters"] = model.ParameterCount,
            ["epochs"] = s.Epochs,
            ["seed"] = s.Seed,
            ["threads"] = Threading.NumThreads,
            ["seconds"] = clock.Elapsed.TotalSeconds,
        };
        RunArtifacts.SaveSummary(summary, Path.Combine(s.Out, RnnRunFolder.Summary));
        output.WriteLine(string.Create(Inv, $"Test accuracy {accuracy * 100:F2}% on {test.Count} sequences; chance {100.0 / classes:F1}%, majority class ({WaveformSequences.ClassNames[majority]}) {majorityAccuracy * 100:F1}%. Results in {s.Out}"));
        return 0;
    }

    static long Correct(Tensor logits, Tensor labels)
    {
        using var predicted = logits.ArgMax(1);
        var p = predicted.ToArray<long>();
        var y = labels.ToArray<long>();
        long n = 0;
        for (int i = 0; i < p.Length; i++) if (p[i] == y[i]) n++;
        return n;
    }

    static double Accuracy(RecurrentClassifier model, WaveformSequences set)
    {
        model.Eval();
        using var _ = Autograd.NoGrad();
        long correct = 0;
        const int batchSize = 256;
        for (int start = 0; start < set.Count; start += batchSize)
        {
            var (inputs, lengths, labels) = set.PaddedBatch(Enumerable.Range(start, Math.Min(batchSize, set.Count - start)).ToArray());
            using (inputs)
            using (labels)
            {
                using var logits = model.Forward(inputs, lengths);
                correct += Correct(logits, labels);
            }
        }
        model.Train();
        return (double)correct / set.Count;
    }

    void Validate()
    {
        if (s.Cell is not ("lstm" or "gru")) throw new ArgumentException($"--cell: expected lstm or gru, got '{s.Cell}'.");
        if (s.Epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {s.Epochs}.");
        if (s.Hidden < 1) throw new ArgumentException($"--hidden must be at least 1, got {s.Hidden}.");
        if (s.Samples < 4) throw new ArgumentException($"--samples must be at least 4, got {s.Samples}.");
        if (s.BatchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {s.BatchSize}.");
        if (!(s.LearningRate > 0 && double.IsFinite(s.LearningRate))) throw new ArgumentException($"--lr must be a positive number, got {s.LearningRate}.");
        if (s.Out.Length == 0) throw new ArgumentException("--out must name a folder.");
    }
}
