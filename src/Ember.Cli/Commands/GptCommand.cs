using System.CommandLine;
using Ember.Cli.Sequence;

namespace Ember.Cli.Commands;

/// <summary>`ember gpt train` and `ember gpt sample`: a small GPT language model on a text file (by default the bundled corpus).</summary>
internal static class GptCommand
{
    public static Command Create()
    {
        var cmd = new Command("gpt", "Train a small GPT language model on a text file and sample text from it.");
        cmd.Subcommands.Add(Train());
        cmd.Subcommands.Add(Sample());
        return cmd;
    }

    static Option<string> RunDir(string description) => new("--run") { Description = description, DefaultValueFactory = _ => Path.Combine("runs", "gpt"), HelpName = "DIR" };

    static Command Train()
    {
        var text = new Option<string?>("--text") { Description = $"The text file to learn (UTF-8; default: the bundled corpus, {Corpus.BundledRelativePath}).", HelpName = "FILE" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "char (one token per character; default) or gpt2 (GPT-2's BPE; a much larger output layer).", HelpName = "char|gpt2" };
        tokenizer.AcceptOnlyFromAmong("char", "gpt2");
        var steps = NumberOption.Optional<int>("--steps", $"Optimizer steps (default {GptTrainingRun.DefaultSteps}).");
        var batch = NumberOption.Optional<int>("--batch-size", $"Windows per step (default {GptTrainingRun.DefaultBatch}).");
        var context = NumberOption.Optional<int>("--context", $"Tokens per window: the longest context the model sees (default {GptTrainingRun.DefaultContext}).");
        var layers = NumberOption.Optional<int>("--layers", $"Transformer blocks (default {GptTrainingRun.DefaultLayers}).");
        var dModel = NumberOption.Optional<int>("--d-model", $"Width of the model (default {GptTrainingRun.DefaultDModel}).");
        var heads = NumberOption.Optional<int>("--heads", $"Attention heads; they split --d-model (default {GptTrainingRun.DefaultHeads}).");
        var lr = NumberOption.Optional<double>("--lr", $"AdamW's peak learning rate, after a linear warmup and annealed to a tenth along a cosine (default {GptTrainingRun.DefaultLr}).");
        var evalEvery = NumberOption.Optional<int>("--eval-every", $"Steps between validations, samples and checkpoints (default {GptTrainingRun.DefaultEvalEvery}).");
        var output = new Option<string?>("--out") { Description = "The run folder for config.json, the checkpoint, metrics.csv, TensorBoard events, samples.txt and summary.json (default runs/gpt).", HelpName = "DIR" };
        var resume = new Option<bool>("--resume") { Description = "Continue the run in the folder from its checkpoint, exactly where it stopped." };
        var force = new Option<bool>("--force") { Description = "Start over in a folder that already holds a run, replacing its files." };
        var seed = NumberOption.Optional<ulong>("--seed", "Seed of the weights, the training windows and the samples (default 0).");
        var threads = NumberOption.Optional<int>("--threads", "Threads for the math (default: all cores; a resumed run keeps its own).");
        var quiet = new Option<bool>("--quiet") { Description = "Print only the result, no progress." };
        var stopAfter = NumberOption.Optional<long>("--stop-after-steps", "Act as if Ctrl+C were pressed after N optimizer steps (tests).");
        stopAfter.Hidden = true;
        var cmd = new Command("train", "Train a small GPT on a text file: 90% for training, 10% for validation in bits per character; progress, checkpoint, metrics.csv, TensorBoard events, samples.txt and summary.json in the run folder. Ctrl+C stops after the current step and saves; --resume continues.")
        {
            text, tokenizer, steps, batch, context, layers, dModel, heads, lr, evalEvery, output, resume, force, seed, threads, quiet, stopAfter,
        };
        cmd.SetAction(r =>
        {
            var settings = new GptSettings(r.GetValue(text), r.GetValue(tokenizer), r.GetValue(steps), r.GetValue(batch), r.GetValue(context),
                r.GetValue(layers), r.GetValue(dModel), r.GetValue(heads), r.GetValue(lr), r.GetValue(evalEvery), r.GetValue(output),
                r.GetValue(resume), r.GetValue(force), r.GetValue(seed), r.GetValue(threads), r.GetValue(quiet), r.GetValue(stopAfter));
            var io = r.InvocationConfiguration;
            return CliErrors.Run("gpt train", io.Error, () => new GptTrainingRun(settings, io.Output, io.Error).Run());
        });
        return cmd;
    }

    static Command Sample()
    {
        var run = RunDir("The run folder written by `ember gpt train` (default runs/gpt).");
        var prompt = new Option<string?>("--prompt") { Description = "The text to continue (default: start from a line break).", HelpName = "TEXT" };
        var tokens = NumberOption.WithDefault("--tokens", "How many tokens to write after the prompt.", 500);
        var temperature = NumberOption.WithDefault("--temperature", "Below 1 is more conservative, above 1 more adventurous; 0 always picks the most likely token.", 0.8);
        var topK = NumberOption.Optional<int>("--top-k", "Draw only from the K most likely tokens (default: all).");
        var topP = NumberOption.Optional<double>("--top-p", "Draw only from the most likely tokens whose probabilities add up to P (default: all).");
        var seed = NumberOption.WithDefault("--seed", "Seed of the draws: the same seed gives the same text.", 0UL);
        var threads = CommonOptions.Threads();
        var cmd = new Command("sample", "Write text with a trained GPT run, continuing a prompt (the model reads each new token once, through its key-value cache).")
        {
            run, prompt, tokens, temperature, topK, topP, seed, threads,
        };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("gpt sample", io.Error, () => GptSampling.Run(r.GetValue(run)!, r.GetValue(prompt), r.GetValue(tokens), r.GetValue(temperature),
                r.GetValue(topK), r.GetValue(topP), r.GetValue(seed), r.GetValue(threads), io.Output));
        });
        return cmd;
    }
}
