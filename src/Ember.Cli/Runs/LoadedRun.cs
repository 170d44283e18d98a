using Ember.Cli.Models;
using Ember.NN;
using Ember.Training;

namespace Ember.Cli.Runs;

/// <summary>A trained run opened for use: its settings and its model with the chosen checkpoint's weights, in evaluation mode.</summary>
internal sealed record LoadedRun(string Directory, RunConfig Config, ModelSpec Spec, Module<Tensor, Tensor> Model, string CheckpointPath, int? Epoch)
{
    public static LoadedRun Open(string directory, string checkpoint)
    {
        var config = RunConfig.Load(directory);
        string configPath = RunConfig.PathIn(directory);
        var spec = ModelZoo.Get(config.Model, $"'{configPath}'");
        string path = RunWeights.Find(directory, checkpoint);
        var model = spec.Create(new Generator(0), new Generator(0));
        RunWeights.Load(model, path, spec, configPath);
        model.Eval();
        int? epoch = null;
        try { epoch = Checkpoint.ReadInfo(path).Epoch; }
        catch (InvalidDataException) { } // a weights-only file has no training state to report
        return new LoadedRun(directory, config, spec, model, path, epoch);
    }

    /// <summary>"runs/cnn/best.safetensors (cnn, after epoch 12)".</summary>
    public string Describe() => $"{CheckpointPath} ({Spec.Name}{(Epoch is { } e ? $", after epoch {e}" : "")})";

    /// <summary>The data to evaluate on: the folder given, else the run's own folder if it still exists, else wherever Fashion-MNIST is found.</summary>
    public FashionData Data(string? directory)
        => FashionData.Load(directory ?? (System.IO.Directory.Exists(Config.DataDirectory) ? Config.DataDirectory : null));
}
