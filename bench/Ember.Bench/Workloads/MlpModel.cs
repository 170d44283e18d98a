using Ember.Bench.Peers;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>The MLP 784-512-256-10 with ReLUs, built the same way in both frameworks.</summary>
public static class MlpModel
{
    public const int Inputs = 784, Classes = 10;

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember()
    {
        var g = new Generator(11);
        return new Sequential(
            new Linear(Inputs, 512, generator: g), new ReLU(),
            new Linear(512, 256, generator: g), new ReLU(),
            new Linear(256, Classes, generator: g));
    }

    /// <summary>The same layers in TorchSharp, named "0".."4" like Ember's Sequential, holding Ember's initial weights.</summary>
    public static TorchModel Torch()
    {
        var model = torch.nn.Sequential(
            ("0", torch.nn.Linear(Inputs, 512)), ("1", torch.nn.ReLU()),
            ("2", torch.nn.Linear(512, 256)), ("3", torch.nn.ReLU()),
            ("4", torch.nn.Linear(256, Classes)));
        WeightTransfer.Copy(Ember, model);
        return model;
    }
}
