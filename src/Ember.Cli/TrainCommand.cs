using System.CommandLine;
using System.Diagnostics;
using Ember.NN;
using Ember.Optim;
using F = Ember.NN.Functional;

namespace Ember.Cli;

/// <summary>
/// `ember train`: fits a multilayer perceptron to a generated three-armed spiral (a classic problem
/// no linear model can solve) and prints the loss falling epoch by epoch.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training data.", DefaultValueFactory = _ => 15 };
        var batch = new Option<int>("--batch-size") { Description = "Samples per step.", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 0.01 };
        var hidden = new Option<int>("--hidden") { Description = "Width of the two hidden layers.", DefaultValueFactory = _ => 64 };
        var seed = new Option<ulong>("--seed") { Description = "Seed for data, initialisation and shuffling.", DefaultValueFactory = _ => 0UL };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };

        var cmd = new Command("train", "Train a model on the bundled demo data (a generated three-class spiral).")
        {
            epochs, batch, lr, hidden, seed, threads,
        };
        cmd.SetAction(r => Run(r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr), r.GetValue(hidden), r.GetValue(seed), r.GetValue(threads)));
        return cmd;
    }

    static int Run(int epochs, int batchSize, double lr, int hidden, ulong seed, int threads)
    {
        if (epochs < 1) throw new ArgumentException($"--epochs must be at least 1, got {epochs}.");
        if (batchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {batchSize}.");
        if (hidden < 1) throw new ArgumentException($"--hidden must be at least 1, got {hidden}.");
        if (!(lr > 0)) throw new ArgumentException($"--lr must be positive, got {lr}.");
        Threading.SetNumThreads(threads);

        var gen = new Generator(seed);
        var (trainX, trainY) = Spiral.Generate(3000, 3, gen);
        var (testX, testY) = Spiral.Generate(600, 3, gen);
        var model = new Sequential(new Linear(2, hidden, generator: gen), new ReLU(), new Linear(hidden, hidden, generator: gen), new ReLU(), new Linear(hidden, 3, generator: gen));
        var opt = new Adam(model.Parameters(), lr);
        Console.WriteLine($"Training a 2-{hidden}-{hidden}-3 MLP on a 3-class spiral: {trainY.Length} train / {testY.Length} test samples, batch {batchSize}, Adam lr {lr}, {threads} thread(s).");

        var clock = Stopwatch.StartNew();
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.Train();
            var order = Permutation(trainY.Length, gen);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < order.Length; start += batchSize)
            {
                var idx = order.AsSpan(start, Math.Min(batchSize, order.Length - start));
                using var x = Gather(trainX, idx, 2);
                using var y = Tensor.FromArray(idx.ToArray().Select(i => trainY[i]).ToArray());
                opt.ZeroGrad();
                using var logits = model.Forward(x);
                using var loss = F.CrossEntropy(logits, y);
                loss.Backward();
                opt.Step();
                lossSum += loss.Item<float>();
                batches++;
            }
            double acc = Accuracy(model, testX, testY);
            Console.WriteLine($"epoch {epoch,3}/{epochs}  loss {lossSum / batches:F4}  test accuracy {acc:P1}  ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        return 0;
    }

    static double Accuracy(Sequential model, float[] x, long[] y)
    {
        model.Eval();
        using var _ = Autograd.NoGrad();
        using var input = Tensor.FromArray(x, y.Length, 2);
        using var logits = model.Forward(input);
        using var predicted = logits.ArgMax(1);
        var p = predicted.ToArray<long>();
        int correct = 0;
        for (int i = 0; i < y.Length; i++) if (p[i] == y[i]) correct++;
        return (double)correct / y.Length;
    }

    static int[] Permutation(int n, Generator g)
    {
        var p = Enumerable.Range(0, n).ToArray();
        for (int i = n - 1; i > 0; i--) { int j = (int)g.NextInt64(0, i + 1); (p[i], p[j]) = (p[j], p[i]); }
        return p;
    }

    static Tensor Gather(float[] data, ReadOnlySpan<int> rows, int width)
    {
        var v = new float[rows.Length * width];
        for (int r = 0; r < rows.Length; r++) Array.Copy(data, rows[r] * width, v, r * width, width);
        return Tensor.FromArray(v, rows.Length, width);
    }
}

/// <summary>Points on interleaved spiral arms with noise; the arm is the class.</summary>
internal static class Spiral
{
    public static (float[] X, long[] Y) Generate(int count, int arms, Generator g)
    {
        var x = new float[count * 2];
        var y = new long[count];
        for (int i = 0; i < count; i++)
        {
            int arm = i % arms;
            double r = g.NextDouble();
            double angle = arm * 2 * Math.PI / arms + r * 4 + g.NextNormal() * 0.2;
            x[2 * i] = (float)(r * Math.Cos(angle));
            x[2 * i + 1] = (float)(r * Math.Sin(angle));
            y[i] = arm;
        }
        return (x, y);
    }
}
