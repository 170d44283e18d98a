using Ember;
using Ember.Data;
using Ember.NN;
using Ember.Optim;
using Ember.Training;
using F = Ember.NN.Functional;

namespace Ember.Tests.Training;

/// <summary>A small seeded classification problem and model, built the same way every time.</summary>
internal static class TrainingSetup
{
    public const int Samples = 96, Features = 8, Classes = 3;

    /// <summary>Points whose class is decided by which of three directions they lean to, with a little noise.</summary>
    public static (Tensor X, Tensor Y) Data(ulong seed = 11, int samples = Samples)
    {
        var g = new Generator(seed);
        var x = new float[samples * Features];
        var y = new long[samples];
        for (int i = 0; i < samples; i++)
        {
            double best = double.NegativeInfinity;
            for (int j = 0; j < Features; j++) x[i * Features + j] = (float)g.NextNormal();
            for (int c = 0; c < Classes; c++)
            {
                double s = x[i * Features + c] - 0.5 * x[i * Features + c + 3] + 0.3 * g.NextNormal();
                if (s > best) (best, y[i]) = (s, c);
            }
        }
        return (Tensor.FromArray(x, samples, Features), Tensor.FromArray(y, samples));
    }

    public static DataLoader<(Tensor Input, Tensor Label), Batch> Loader(Tensor x, Tensor y, int batchSize = 16, bool shuffle = true,
        ulong seed = 7, int numWorkers = 0)
        => new(new TensorDataset(x, y), (Func<IReadOnlyList<(Tensor Input, Tensor Label)>, Batch>)Collate.Default,
            batchSize: batchSize, shuffle: shuffle, seed: seed, numWorkers: numWorkers);

    /// <summary>Linear → BatchNorm → ReLU → Dropout → Linear, weights and dropout masks from <paramref name="dropout"/>'s seed.</summary>
    public static Sequential Model(ulong seed, Generator? dropout = null, double p = 0.2)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(Features, 16, generator: g), new BatchNorm1d(16), new ReLU(),
            new Dropout(p, dropout ?? new Generator(seed + 1)), new Linear(16, Classes, generator: g));
    }

    public static Tensor CrossEntropy(Tensor logits, Tensor targets) => F.CrossEntropy(logits, targets);

    /// <summary>Every parameter and buffer's values, flattened to floats in state-dict order.</summary>
    public static float[][] Weights(Module m)
        => m.StateDict().Values.Select(t => t.DType == DType.Float32 ? t.ToArray<float>() : t.To(DType.Float32).ToArray<float>()).ToArray();

    public static Trainer Trainer(Sequential model, double lr = 0.01, int accumulation = 1)
        => new(model, new Adam(model.Parameters(), lr), CrossEntropy)
        {
            Metrics = [new Accuracy()], Progress = ProgressMode.Quiet, AccumulationSteps = accumulation,
        };
}

/// <summary>A fresh folder under the temp path, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ember-training-" + Guid.NewGuid().ToString("N"));
    public TempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
