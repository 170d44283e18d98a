using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ember.Cli.Models;
using Ember.Optim;
using F = Ember.NN.Functional;

namespace Ember.Cli.Commands;

/// <summary>
/// `ember bench`: how fast this machine runs Ember's models, on synthetic batches: the median, p10 and p90
/// time of a training step (zero-grad, forward, cross-entropy, backward, Adam) and of an evaluation
/// forward pass, with the images per second and the time an epoch of 60,000 images would take. The
/// side-by-side comparison with other frameworks lives in bench/Ember.Bench.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = $"One model to time ({ModelZoo.Names}; default: all)." };
        var batch = NumberOption.Optional<int>("--batch-size", "Images per step (default: each model's training batch).");
        var steps = NumberOption.WithDefault("--steps", "Timed steps per measurement, after warm-up.", 30);
        var threads = CommonOptions.Threads();
        var cmd = new Command("bench", "Time training steps and inference of the tool's models on this machine (synthetic 28×28 batches).")
        {
            model, batch, steps, threads,
        };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("bench", io.Error, () => Run(r.GetValue(model), r.GetValue(batch), r.GetValue(steps), r.GetValue(threads), io.Output));
        });
        return cmd;
    }

    static int Run(string? name, int? batchSize, int steps, int? threads, TextWriter output)
    {
        if (batchSize is < 1) throw new ArgumentException($"--batch-size must be at least 1, got {batchSize}.");
        if (steps < 1) throw new ArgumentException($"--steps must be at least 1, got {steps}.");
        CommonOptions.ApplyThreads(threads);
        var specs = name is null ? ModelZoo.All : [ModelZoo.Get(name)];
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"{Threading.NumThreads} thread(s), {steps} timed steps each; times in ms as median [p10-p90]");
        output.WriteLine($"{"model",-8} {"batch",5}  {"train step",-26} {"images/s",9} {"epoch (60k)",11}  {"inference",-26} {"images/s",9}");
        foreach (var spec in specs)
        {
            int b = batchSize ?? spec.BatchSize;
            var (train, eval) = Time(spec, b, steps);
            double epoch = train.Median / 1000 * Math.Ceiling(60_000.0 / b);
            output.WriteLine(string.Create(inv,
                $"{spec.Name,-8} {b,5}  {train,-26} {b / (train.Median / 1000),9:N0} {epoch,9:F1} s  {eval,-26} {b / (eval.Median / 1000),9:N0}"));
        }
        return 0;
    }

    static (Timing Train, Timing Eval) Time(ModelSpec spec, int batchSize, int steps)
    {
        var model = spec.Create(new Generator(1), new Generator(2));
        var optimizer = new Adam(model.Parameters(), spec.LearningRate);
        using var images = Tensor.Randn([batchSize, 1, 28, 28], new Generator(3));
        using var labels = Tensor.RandInt(0, 10, [batchSize], new Generator(4));
        int warmup = Math.Max(3, steps / 5);

        model.Train();
        var train = Timing.Of(warmup, steps, () =>
        {
            optimizer.ZeroGrad();
            using var logits = model.Forward(images);
            using var loss = F.CrossEntropy(logits, labels);
            loss.Backward();
            optimizer.Step();
        });
        model.Eval();
        var eval = Timing.Of(warmup, steps, () =>
        {
            using var _ = Autograd.NoGrad();
            using var logits = model.Forward(images);
        });
        return (train, eval);
    }

    readonly record struct Timing(double Median, double P10, double P90)
    {
        public static Timing Of(int warmup, int steps, Action step)
        {
            for (int i = 0; i < warmup; i++) step();
            var ms = new double[steps];
            for (int i = 0; i < steps; i++)
            {
                long start = Stopwatch.GetTimestamp();
                step();
                ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(ms);
            return new Timing(ms[steps / 2], ms[steps / 10], ms[Math.Min(steps - 1, steps * 9 / 10)]);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Median:F2} [{P10:F2}-{P90:F2}]");
    }
}
