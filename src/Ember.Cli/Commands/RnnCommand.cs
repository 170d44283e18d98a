using System.CommandLine;
using Ember.Cli.Sequence;

namespace Ember.Cli.Commands;

/// <summary>`ember rnn forecast` and `ember rnn classify`: recurrent networks on generated sequences, scored against naive baselines.</summary>
internal static class RnnCommand
{
    public static Command Create()
    {
        var cmd = new Command("rnn", "Recurrent-network examples on generated data: time-series forecasting and sequence classification.");
        cmd.Subcommands.Add(Forecast());
        cmd.Subcommands.Add(Classify());
        return cmd;
    }

    static Option<string> Out(string example) => new("--out") { Description = $"The run folder for config.json, model.safetensors, metrics.csv and summary.json (default runs/rnn-{example}).", DefaultValueFactory = _ => Path.Combine("runs", "rnn-" + example), HelpName = "DIR" };

    static Command Forecast()
    {
        var epochs = NumberOption.WithDefault("--epochs", "Passes over the training windows.", 30);
        var hidden = NumberOption.WithDefault("--hidden", "The LSTM's hidden size.", 32);
        var window = NumberOption.WithDefault("--window", "Past values each forecast sees.", 48);
        var length = NumberOption.WithDefault("--length", "Steps of the generated series (80% for training, 20% for the test).", 3000);
        var lr = NumberOption.WithDefault("--lr", "Adam's peak learning rate, annealed to 0 along a cosine.", 0.003);
        var batch = NumberOption.WithDefault("--batch-size", "Windows per step.", 32);
        var seed = NumberOption.WithDefault("--seed", "Seed of the series, the weights and the shuffle.", 0UL);
        var threads = CommonOptions.Threads();
        var output = Out("forecast");
        var quiet = new Option<bool>("--quiet") { Description = "Print only the result, no progress." };
        var cmd = new Command("forecast", "Train an LSTM to forecast the next value of a generated series (two seasons, a trend and noise) and score it on the last 20% against the last-value and seasonal-naive forecasts.")
        {
            epochs, hidden, window, length, lr, batch, seed, threads, output, quiet,
        };
        cmd.SetAction(r =>
        {
            var settings = new ForecastSettings(r.GetValue(epochs), r.GetValue(hidden), r.GetValue(window), r.GetValue(length), r.GetValue(lr),
                r.GetValue(batch), r.GetValue(seed), r.GetValue(threads), r.GetValue(output)!, r.GetValue(quiet));
            var io = r.InvocationConfiguration;
            return CliErrors.Run("rnn forecast", io.Error, () => new ForecastRun(settings, io.Output).Run());
        });
        return cmd;
    }

    static Command Classify()
    {
        var cell = new Option<string>("--cell") { Description = "The recurrent layer: lstm or gru.", DefaultValueFactory = _ => "lstm", HelpName = "lstm|gru" };
        cell.AcceptOnlyFromAmong("lstm", "gru");
        var epochs = NumberOption.WithDefault("--epochs", "Passes over the training sequences.", 30);
        var hidden = NumberOption.WithDefault("--hidden", "The recurrent layer's hidden size.", 48);
        var samples = NumberOption.WithDefault("--samples", "Training sequences (the test set has a quarter as many).", 4000);
        var lr = NumberOption.WithDefault("--lr", "Adam's peak learning rate, annealed to 0 along a cosine.", 0.005);
        var batch = NumberOption.WithDefault("--batch-size", "Sequences per step.", 32);
        var seed = NumberOption.WithDefault("--seed", "Seed of the data, the weights and the shuffle.", 0UL);
        var threads = CommonOptions.Threads();
        var output = Out("classify");
        var quiet = new Option<bool>("--quiet") { Description = "Print only the result, no progress." };
        var cmd = new Command("classify", "Train an LSTM or GRU to tell four noisy waveform shapes (sine, square, triangle, sawtooth) apart in sequences of varying length, and score it against chance and the majority class.")
        {
            cell, epochs, hidden, samples, lr, batch, seed, threads, output, quiet,
        };
        cmd.SetAction(r =>
        {
            var settings = new ClassifySettings(r.GetValue(cell)!, r.GetValue(epochs), r.GetValue(hidden), r.GetValue(samples), r.GetValue(lr),
                r.GetValue(batch), r.GetValue(seed), r.GetValue(threads), r.GetValue(output)!, r.GetValue(quiet));
            var io = r.InvocationConfiguration;
            return CliErrors.Run("rnn classify", io.Error, () => new ClassifyRun(settings, io.Output).Run());
        });
        return cmd;
    }
}
