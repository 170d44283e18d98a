using Ember.NN;
using Ember.Serialization;

namespace Ember.Cli.Models;

/// <summary>
/// One of the tool's models with the settings it trains best with: epochs on the full set and on the bundled
/// subset, Adam's learning rate, the batch size and whether the training images are augmented.
/// </summary>
internal sealed record ModelSpec(string Name, string Description, int FullEpochs, int SubsetEpochs, double LearningRate, int BatchSize, bool Augment,
    Func<Generator, Generator, Module<Tensor, Tensor>> Build)
{
    /// <summary>A fresh model: weights from <paramref name="init"/>, dropout masks from <paramref name="dropout"/>.</summary>
    public Module<Tensor, Tensor> Create(Generator init, Generator dropout) => Build(init, dropout);
}

/// <summary>The models <c>ember</c> trains, by name.</summary>
internal static class ModelZoo
{
    public const string Default = "cnn";

    public static IReadOnlyList<ModelSpec> All { get; } =
    [
        new("mlp", "a multilayer perceptron (784-256-128-10, dropout 0.2)", 20, 10, 1e-3, 128, false, Mlp.Create),
        new("cnn", "two conv blocks with batch norm and a dense head, trained with crop and flip augmentation", 25, 5, 1e-3, 64, true, SmallCnn.Create),
        new("resnet", "a small residual network (32-64-128 channels, global average pooling), with augmentation", 30, 3, 1e-3, 128, true,
            (init, _) => new SmallResNet(init)),
    ];

    public static string Names => string.Join(", ", All.Select(m => m.Name));

    public static ModelSpec Get(string name, string option = "--model")
        => All.FirstOrDefault(m => m.Name == name)
            ?? throw new ArgumentException($"{option}: unknown model '{name}'; choose one of {Names}.");

    /// <summary>
    /// The model whose state-dict names and shapes the tensors under <paramref name="prefix"/> in a safetensors file
    /// match, or null: how a checkpoint of one model is told from another's without loading it.
    /// </summary>
    public static ModelSpec? Identify(string path, string prefix)
    {
        var header = Safetensors.ReadHeader(path)
            .Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(t => t.Name[prefix.Length..], t => string.Join(",", t.Shape));
        foreach (var spec in All)
        {
            var model = spec.Create(new Generator(0), new Generator(0));
            var state = model.StateDict();
            if (state.Count == header.Count && state.All(kv => header.TryGetValue(kv.Key, out var s) && s == string.Join(",", kv.Value.Shape)))
                return spec;
        }
        return null;
    }
}
