using System.CommandLine;
using Ember.Cli.Models;
using Ember.Cli.Runs;

namespace Ember.Cli.Commands;

/// <summary>`ember train`: trains one of the Fashion-MNIST models into a run folder (see <see cref="TrainingRun"/>).</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"The model: {ModelZoo.Names} (default {ModelZoo.Default}).", HelpName = "name" };
        model.AcceptOnlyFromAmong([.. ModelZoo.All.Select(m => m.Name)]);
        var epochs = NumberOption.Optional<int>("--epochs", "Passes over the training set (default: the model's, fewer on the bundled subset than on the full set).");
        var batch = NumberOption.Optional<int>("--batch-size", "Samples per optimizer step (default: the model's, 64 for cnn, 128 for the others).");
        var lr = NumberOption.Optional<double>("--lr", "Adam's peak learning rate, annealed along a cosine to 0 (default 0.001).");
        var data = new Option<string?>("--data") { Description = "The folder with the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist, else the bundled subset).", HelpName = "DIR" };
        var output = new Option<string?>("--out") { Description = "The run folder for checkpoints, metrics, plots and summary.json (default runs/<model>).", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the folder from last.safetensors, exactly where it stopped." };
        var force = new Option<bool>("--force") { Description = "Start over in a folder that already holds a run, replacing its files." };
        var seed = NumberOption.Optional<ulong>("--seed", "Seed of the weights, the validation split, the shuffle, augmentation and dropout (default 0).");
        var threads = NumberOption.Optional<int>("--threads", "Threads for the math (default: all cores; a resumed run keeps its own).");
        var workers = NumberOption.WithDefault("--workers", "Background threads preparing batches (results do not depend on it).", 2);
        var quiet = new Option<bool>("--quiet") { Description = "Print only the result, no progress." };
        var patience = NumberOption.Optional<int>("--patience", "Stop after this many epochs without a better validation accuracy (default 5; 0: never).");
        var limit = NumberOption.Optional<int>("--limit", "Use at most N training, N validation and N test images (quick trials and tests).");
        var stopAfter = NumberOption.Optional<long>("--stop-after-steps", "Act as if Ctrl+C were pressed after N optimizer steps (tests).");
        stopAfter.Hidden = true;

        var cmd = new Command("train", "Train a model on Fashion-MNIST: progress, checkpoints (best and last), metrics.csv, TensorBoard events, plots and summary.json in the run folder. Ctrl+C stops after the current step and saves; --resume continues.")
        {
            model, epochs, batch, lr, data, output, resume, force, seed, threads, workers, quiet, patience, limit, stopAfter,
        };
        cmd.SetAction(r =>
        {
            var settings = new TrainSettings(r.GetValue(model), r.GetValue(epochs), r.GetValue(batch), r.GetValue(lr), r.GetValue(data),
                r.GetValue(output), r.GetValue(resume), r.GetValue(force), r.GetValue(seed), r.GetValue(threads), r.GetValue(workers),
                r.GetValue(quiet), r.GetValue(patience), r.GetValue(limit), r.GetValue(stopAfter));
            var io = r.InvocationConfiguration;
            return CliErrors.Run("train", io.Error, () => new TrainingRun(settings, io.Output, io.Error).Run());
        });
        return cmd;
    }
}
