using Ember.Bench.Peers;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>
/// The small MNIST-style CNN of the convolution workloads, built the same way in both frameworks:
/// Conv(1→32, 3)-ReLU-MaxPool(2) → Conv(32→64, 3)-ReLU-MaxPool(2) → Flatten → Linear(1600→128)-ReLU → Linear(128→10).
/// </summary>
public static class CnnModel
{
    public const int Channels = 1, Height = 28, Width = 28, Classes = 10;

    /// <summary>64 channels of 5x5 after two valid 3x3 convolutions and two 2x2 pools of a 28x28 image.</summary>
    const int Flattened = 64 * 5 * 5;

    public static int[] InputShape(int batch) => [batch, Channels, Height, Width];

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember()
    {
        var g = new Generator(12);
        return new Sequential(
            new Conv2d(Channels, 32, 3, generator: g), new ReLU(), new MaxPool2d(2),
            new Conv2d(32, 64, 3, generator: g), new ReLU(), new MaxPool2d(2),
            new Flatten(),
            new Linear(Flattened, 128, generator: g), new ReLU(),
            new Linear(128, Classes, generator: g));
    }

    /// <summary>The same layers in TorchSharp, named "0".."9" like Ember's Sequential, holding Ember's initial weights.</summary>
    public static TorchModel Torch()
    {
        var model = torch.nn.Sequential(
            ("0", torch.nn.Conv2d(Channels, 32, 3)), ("1", torch.nn.ReLU()), ("2", torch.nn.MaxPool2d(2)),
            ("3", torch.nn.Conv2d(32, 64, 3)), ("4", torch.nn.ReLU()), ("5", torch.nn.MaxPool2d(2)),
            ("6", torch.nn.Flatten()),
            ("7", torch.nn.Linear(Flattened, 128)), ("8", torch.nn.ReLU()),
            ("9", torch.nn.Linear(128, Classes)));
        WeightTransfer.Copy(Ember, model);
        return model;
    }
}
