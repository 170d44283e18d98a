using Ember.Bench.Peers;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>
/// The `ember train` default model (src/Ember.Cli/Models/SmallCnn.cs), layer for layer in both frameworks:
/// Conv(1→32, 3, pad 1, no bias)-BN-ReLU-MaxPool(2) → Conv(32→64, 3, pad 1, no bias)-BN-ReLU-MaxPool(2) →
/// Flatten → Linear(3136→256)-ReLU-Dropout(0.3) → Linear(256→10). The CLI trains it with Adam (lr 1e-3) on
/// batches of 64. The dropout probability is a parameter so the correctness check can run without it.
/// </summary>
public static class FashionCnnModel
{
    public const int BatchSize = 64, Classes = 10;
    public const double Dropout = 0.3;
    const int Flattened = 64 * 7 * 7;

    public static int[] InputShape(int batch) => [batch, 1, 28, 28];

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember(double dropout)
    {
        var g = new Generator(21);
        return new Sequential(
            new Conv2d(1, 32, 3, padding: 1, bias: false, generator: g), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, padding: 1, bias: false, generator: g), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(Flattened, 256, generator: g), new ReLU(), new Dropout(dropout, new Generator(22)),
            new Linear(256, Classes, generator: g));
    }

    /// <summary>The same layers in TorchSharp, named "0".."12" like Ember's Sequential, holding Ember's initial weights.</summary>
    public static TorchModel Torch(double dropout)
    {
        var model = torch.nn.Sequential(
            ("0", torch.nn.Conv2d(1, 32, 3, padding: 1, bias: false)), ("1", torch.nn.BatchNorm2d(32)), ("2", torch.nn.ReLU()), ("3", torch.nn.MaxPool2d(2)),
            ("4", torch.nn.Conv2d(32, 64, 3, padding: 1, bias: false)), ("5", torch.nn.BatchNorm2d(64)), ("6", torch.nn.ReLU()), ("7", torch.nn.MaxPool2d(2)),
            ("8", torch.nn.Flatten()),
            ("9", torch.nn.Linear(Flattened, 256)), ("10", torch.nn.ReLU()), ("11", torch.nn.Dropout(dropout)),
            ("12", torch.nn.Linear(256, Classes)));
        WeightTransfer.Copy(() => Ember(dropout), model);
        return model;
    }
}
