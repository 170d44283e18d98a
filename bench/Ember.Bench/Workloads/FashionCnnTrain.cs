using Ember.Bench.Harness;

namespace Ember.Bench.Workloads;

/// <summary>
/// One training iteration of the models `ember train` trains, at the CLI's batch sizes: zero-grad, forward,
/// cross-entropy, backward, Adam (lr 1e-3) step, in training mode (batch statistics, dropout). Case `cnn` is the
/// default model (<see cref="FashionCnnModel"/>, batch 64), `resnet` the residual one (<see cref="FashionResNetModel"/>,
/// batch 128). The table adds the compute time of an epoch of Fashion-MNIST's 60,000 training images. The
/// learning-rate schedule, data loading and augmentation are not timed. Both sides start from the same weights;
/// max err compares their first losses, with the cnn's dropout off (the frameworks draw different masks).
/// </summary>
public sealed class FashionCnnTrain : Workload
{
    public const int EpochImages = 60_000;

    public override string Name => "fashion_cnn_train";

    public override IEnumerable<BenchCase> Cases()
    {
        var cnnBatch = new Lazy<Batch>(() => Batch.Seeded(FashionCnnModel.InputShape(FashionCnnModel.BatchSize), FashionCnnModel.Classes, 61));
        yield return new BenchCase("cnn", $"SmallCnn, [{FashionCnnModel.BatchSize}x1x28x28]", null,
            () => new ComparedWithoutDropout(
                new EmberTraining(() => FashionCnnModel.Ember(FashionCnnModel.Dropout), cnnBatch.Value),
                () => new EmberTraining(() => FashionCnnModel.Ember(0), cnnBatch.Value)),
            Sides.TorchPeer(() => new ComparedWithoutDropout(
                new TorchTraining(() => FashionCnnModel.Torch(FashionCnnModel.Dropout), cnnBatch.Value),
                () => new TorchTraining(() => FashionCnnModel.Torch(0), cnnBatch.Value))),
            new EpochSize(EpochImages, FashionCnnModel.BatchSize));

        var resnetBatch = new Lazy<Batch>(() => Batch.Seeded(FashionCnnModel.InputShape(FashionResNetModel.BatchSize), FashionResNetModel.Classes, 62));
        yield return new BenchCase("resnet", $"SmallResNet, [{FashionResNetModel.BatchSize}x1x28x28]", null,
            () => new EmberTraining(FashionResNetModel.Ember, resnetBatch.Value),
            Sides.TorchPeer(() => new TorchTraining(FashionResNetModel.Torch, resnetBatch.Value)),
            new EpochSize(EpochImages, FashionResNetModel.BatchSize));
    }

    /// <summary>Times a model with dropout but checks agreement on the same model without it, whose losses both frameworks can match.</summary>
    sealed class ComparedWithoutDropout(ISide timed, Func<ISide> compared) : ISide
    {
        public void Step() => timed.Step();

        public float[] Result()
        {
            using var side = compared();
            return side.Result();
        }

        public void Dispose() => timed.Dispose();
    }
}
