using Ember.Data;
using Ember.NN;
using Ember.Optim;
using Ember.Training;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>The README's training example, as written there, on a slice of the bundled Fashion-MNIST.</summary>
[Collection("Memory")]
public class ReadmeExampleTests
{
    [Fact]
    public void TrainingExampleRunsAndLearns()
    {
        var trainSet = new Subset<(Tensor Input, long Label)>(FashionMnist.Load(train: true), [.. Enumerable.Range(0, 1024)]);
        var testSet = new Subset<(Tensor Input, long Label)>(FashionMnist.Load(train: false), [.. Enumerable.Range(0, 512)]);

        var train = new DataLoader(trainSet, batchSize: 64, shuffle: true, seed: 1);
        var test = new DataLoader(testSet, batchSize: 256);
        var model = new Sequential(new Flatten(), new Linear(784, 256), new ReLU(), new Linear(256, 10));
        var trainer = new Trainer(model, new Adam(model.Parameters(), lr: 1e-3), (logits, y) => F.CrossEntropy(logits, y))
        {
            Metrics = [new Accuracy()],
            Progress = ProgressMode.Quiet,
        };
        var history = trainer.Fit(train, epochs: 2, validation: test);

        Assert.Equal(2, history.Epochs.Count);
        Assert.True(history.Epochs[^1]["val_accuracy"] > 0.6, $"two epochs on 1,024 images should beat 60% accuracy: {string.Join(", ", history.Keys)}");
    }
}
