using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Ember.Cli.Runs;
using Ember.Models;
using Ember.Optim;
using Ember.Text;
using Ember.Training;
using F = Ember.NN.Functional;

namespace Ember.Cli.Sequence;

/// <summary>
/// One invocation of `ember gpt train`: a plain training loop over random windows of the first 90% of a text,
/// AdamW with warmup and a cosine schedule, gradient clipping, and every --eval-every steps the validation loss
/// on the last 10% (as bits per character), a sample, metrics.csv and TensorBoard rows and a checkpoint. Exit
/// codes: 0 done, 1 bad input, 130 stopped by Ctrl+C (the state is saved; --resume continues exactly).
/// </summary>
internal sealed class GptTrainingRun(GptSettings settings, TextWriter output, TextWriter error)
{
    public const int DefaultSteps = 400, DefaultBatch = 16, DefaultContext = 64, DefaultLayers = 2, DefaultDModel = 256, DefaultHeads = 4, DefaultEvalEvery = 100;
    public const double DefaultLr = 2e-3;
    public const string Samples = "samples.txt", Metrics = "metrics.csv", Summary = "summary.json";
    const int MaxEvalWindows = 256, EvalBatch = 32;

    static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    int interrupted;

    public int Run()
    {
        var clock = Stopwatch.StartNew();
        settings.Validate();
        string dir = settings.Out ?? Path.Combine("runs", "gpt");
        string checkpointPath = GptCheckpoint.PathIn(dir);

        GptRunConfig config;
        string text;
        ITokenizer tokenizer;
        if (settings.Resume)
        {
            config = GptRunConfig.Load(dir);
            CheckResumeOptions(config);
            (_, text) = Corpus.Read(settings.Text ?? config.Text);
            if (Sha256(text) != config.TextSha256)
                throw new InvalidDataException($"--resume: '{settings.Text ?? config.Text}' is not the text the run in '{dir}' trained on (its contents differ).");
            (_, tokenizer) = GptCheckpoint.ReadInfo(checkpointPath);
        }
        else
        {
            if (HoldsRun(dir) && !settings.Force)
                throw new InvalidOperationException($"'{dir}' already holds a run; continue it with --resume, start it over with --force, or choose another folder with --out.");
            (string textPath, text) = Corpus.Read(settings.Text);
            string kind = settings.Tokenizer ?? "char";
            tokenizer = kind switch
            {
                "char" => CharTokenizer.FromText(text),
                "gpt2" => new Gpt2Tokenizer(),
                _ => throw new ArgumentException($"--tokenizer: expected char or gpt2, got '{kind}'."),
            };
            int steps = settings.Steps ?? DefaultSteps;
            double lr = settings.LearningRate ?? DefaultLr;
            config = new GptRunConfig
            {
                Text = textPath, TextSha256 = Sha256(text), TextChars = text.Length, Tokenizer = kind, VocabSize = tokenizer.VocabSize,
                Steps = steps, BatchSize = settings.BatchSize ?? DefaultBatch, Context = settings.Context ?? DefaultContext,
                Layers = settings.Layers ?? DefaultLayers, DModel = settings.DModel ?? DefaultDModel, Heads = settings.Heads ?? DefaultHeads,
                LearningRate = lr, MinLearningRate = lr / 10, WarmupSteps = Math.Max(1, Math.Min(100, steps / 10)),
                EvalEvery = Math.Min(settings.EvalEvery ?? DefaultEvalEvery, steps), Seed = settings.Seed ?? 0,
                Threads = settings.Threads ?? Environment.ProcessorCount,
            };
            try { config.Model().Validate(); }
            catch (ArgumentException e) { throw new ArgumentException($"the model options do not fit: {e.Message}", e); }
        }

        // Everything about the data is checked before the folder is touched.
        var tokens = tokenizer.Encode(text);
        TextWindowDataset train, validation;
        try { (train, validation) = TextWindowDataset.Split(tokens, config.Context, config.ValidationFraction); }
        catch (ArgumentException)
        {
            throw new InvalidDataException($"--text: '{config.Text}' gives {tokens.Length} tokens, too few for a 90/10 split with windows of --context {config.Context}; use more text or a smaller --context.");
        }
        if (!settings.Resume)
        {
            Directory.CreateDirectory(dir);
            if (settings.Force) DeleteRun(dir);
            config.Save(dir);
        }

        int threads = settings.Threads ?? config.Threads;
        Threading.SetNumThreads(threads);
        var model = new Gpt(config.Model(), new Generator(config.Seed));
        var decay = model.NamedParameters().Where(p => p.Parameter.Rank >= 2).Select(p => p.Parameter);
        var noDecay = model.NamedParameters().Where(p => p.Parameter.Rank < 2).Select(p => p.Parameter);
        var optimizer = new AdamW([new ParamGroup(decay, weightDecay: config.WeightDecay), new ParamGroup(noDecay, weightDecay: 0)],
            config.LearningRate, betas: (0.9, 0.95));
        var data = new Generator(unchecked(config.Seed + 1));
        long step = 0;
        if (settings.Resume)
        {
            step = GptCheckpoint.Load(checkpointPath, model, optimizer, data);
            if (threads != config.Threads && step < config.Steps)
                error.WriteLine($"ember gpt train: note: the run used {config.Threads} threads and this part uses {threads}; the result will not be bit-identical to an uninterrupted run.");
        }
        var evalWindows = new GptEvaluation(validation, tokenizer, MaxEvalWindows, EvalBatch);

        if (!settings.Quiet)
        {
            output.WriteLine(string.Create(Inv, $"Text: {config.Text} ({text.Length:N0} characters, {tokens.Length:N0} {config.Tokenizer} tokens, vocabulary {tokenizer.VocabSize:N0}); {train.Tokens.Count:N0} tokens for training, {validation.Tokens.Count:N0} for validation."));
            output.WriteLine(settings.Resume
                ? step >= config.Steps
                    ? $"The run in {dir} has finished its {config.Steps} steps; evaluating it again."
                    : $"Resuming the run in {dir} at step {step:N0} of {config.Steps:N0}; {threads} thread(s)."
                : string.Create(Inv, $"Model: GPT, {config.Layers} layers, d_model {config.DModel}, {config.Heads} heads, context {config.Context} ({model.ParameterCount:N0} parameters); {config.Steps} steps of batch {config.BatchSize}, AdamW lr {config.LearningRate} (warmup {config.WarmupSteps}, cosine to {config.MinLearningRate}), seed {config.Seed}, {threads} thread(s); writing to {dir}."));
        }

        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (Volatile.Read(ref interrupted) != 0)
            {
                error.WriteLine("ember gpt train: stopping at once; the last checkpoint is kept.");
                return;
            }
            e.Cancel = true;
            Interlocked.Exchange(ref interrupted, 1);
            error.WriteLine("ember gpt train: stopping after this step and saving (Ctrl+C again to quit at once)...");
        };
        Console.CancelKeyPress += onCancel;
        using var log = new GptRunLog(dir, resumed: settings.Resume);
        var trainClock = new Stopwatch();
        long trainedSteps = 0;
        double lastVal = double.NaN, lastBpc = double.NaN;
        try
        {
            int logEvery = Math.Max(1, Math.Min(10, config.EvalEvery));
            var interval = Stopwatch.StartNew();
            long intervalTokens = 0;
            double intervalLoss = 0;
            int intervalSteps = 0;
            while (step < config.Steps)
            {
                trainClock.Start();
                double lr = config.LearningRateAt(step);
                optimizer.LearningRate = lr;
                double loss = TrainStep(model, optimizer, train, config, data);
                step++;
                trainClock.Stop();
                trainedSteps++;
                intervalTokens += (long)config.BatchSize * config.Context;
                intervalLoss += loss;
                intervalSteps++;
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException($"the training loss became {loss} at step {step}; try a smaller --lr.");

                if (step % logEvery == 0 || step == config.Steps)
                {
                    double seconds = interval.Elapsed.TotalSeconds;
                    double tokensPerSecond = seconds > 0 ? intervalTokens / seconds : double.NaN;
                    log.Scalar("train/loss", intervalLoss / intervalSteps, step);
                    log.Scalar("train/lr", lr, step);
                    log.Scalar("train/tokens_per_second", tokensPerSecond, step);
                    if (!settings.Quiet)
                        output.WriteLine(string.Create(Inv, $"step {step,6}/{config.Steps}  loss {intervalLoss / intervalSteps:F4}  lr {lr:E2}  {tokensPerSecond,8:N0} tokens/s"));
                    interval.Restart();
                    intervalTokens = 0;
                    intervalLoss = 0;
                    intervalSteps = 0;
                }
                if (step % config.EvalEvery == 0 || step == config.Steps)
                {
                    (lastVal, lastBpc) = evalWindows.Run(model);
                    string sample = SampleText(model, tokenizer, validation, config);
                    log.Eval(step, loss, lastVal, lastBpc, lr, sample);
                    GptCheckpoint.Save(checkpointPath, model, optimizer, data, step, tokenizer);
                    if (!settings.Quiet)
                        output.WriteLine(string.Create(Inv, $"step {step,6}: validation loss {lastVal:F4}, {lastBpc:F3} bits per character; sample: {OneLine(sample, 100)}"));
                    interval.Restart();
                }
                if (settings.StopAfterSteps is { } n && step >= n) Interlocked.Exchange(ref interrupted, 1);
                if (Volatile.Read(ref interrupted) != 0 && step < config.Steps)
                {
                    GptCheckpoint.Save(checkpointPath, model, optimizer, data, step, tokenizer);
                    output.WriteLine($"Stopped at step {step}. The training state is saved in {checkpointPath}; continue with: ember gpt train --resume --out {dir}");
                    return TrainingRun.Interrupted;
                }
            }
        }
        finally { Console.CancelKeyPress -= onCancel; }

        if (double.IsNaN(lastBpc)) (lastVal, lastBpc) = evalWindows.Run(model);
        // A finished run that is only evaluated again keeps the speed it was trained at.
        double secondsPerStep = trainedSteps > 0 ? trainClock.Elapsed.TotalSeconds / trainedSteps : PreviousSecondsPerStep(Path.Combine(dir, Summary));
        var summary = new JsonObject
        {
            ["tokenizer"] = config.Tokenizer,
            ["parameters"] = model.ParameterCount,
            ["text"] = config.Text,
            ["text_chars"] = config.TextChars,
            ["steps"] = step,
            ["batch_size"] = config.BatchSize,
            ["context"] = config.Context,
            ["val_loss"] = lastVal,
            ["val_bpc"] = lastBpc,
            ["val_tokens"] = evalWindows.Tokens,
            ["val_chars"] = evalWindows.Chars,
            ["seconds_per_step"] = secondsPerStep,
            ["tokens_per_second"] = secondsPerStep > 0 ? config.BatchSize * config.Context / secondsPerStep : double.NaN,
            ["seconds"] = clock.Elapsed.TotalSeconds,
            ["seed"] = config.Seed,
            ["threads"] = threads,
        };
        RunArtifacts.SaveSummary(summary, Path.Combine(dir, Summary));
        output.WriteLine(string.Create(Inv, $"Validation: {lastBpc:F3} bits per character (loss {lastVal:F4}) after {step} steps; results in {dir}"));
        return 0;
    }

    static double TrainStep(Gpt model, Optimizer optimizer, TextWindowDataset train, GptRunConfig config, Generator data)
    {
        model.Train();
        using var batch = train.SampleBatch(config.BatchSize, data);
        using var logits = model.Forward(batch.Input);
        using var flat = logits.Reshape(-1, config.VocabSize);
        using var targets = batch.Target.Reshape(-1);
        using var loss = F.CrossEntropy(flat, targets);
        loss.Backward();
        GradClipping.ClipGradNorm(model.Parameters(), config.ClipGradNorm);
        optimizer.Step();
        optimizer.ZeroGrad();
        return loss.Item<float>();
    }

    /// <summary>A short sample after the first tokens of the validation text, with a fixed seed, so samples of successive evaluations compare.</summary>
    static string SampleText(Gpt model, ITokenizer tokenizer, TextWindowDataset validation, GptRunConfig config)
    {
        int promptLength = Math.Min(config.Tokenizer == "char" ? 16 : 4, validation.Tokens.Count);
        var prompt = validation.Tokens.Take(promptLength).ToArray();
        var options = new SamplingOptions(MaxNewTokens: config.Tokenizer == "char" ? 200 : 60, Temperature: 0.8, TopK: 40);
        var more = model.Generate(prompt, options, new Generator(unchecked(config.Seed + 3)));
        return tokenizer.Decode([.. prompt, .. more]);
    }

    static string OneLine(string s, int max)
    {
        string line = string.Join(" ", s.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length <= max ? line : line[..max] + "…";
    }

    void CheckResumeOptions(GptRunConfig config)
    {
        string configPath = GptRunConfig.PathIn(settings.Out ?? Path.Combine("runs", "gpt"));
        void Same<T>(string option, T? given, T saved) where T : struct
        {
            if (given is { } g && !g.Equals(saved))
                throw new ArgumentException($"--resume: {option} {Convert.ToString(g, Inv)} differs from the run's {Convert.ToString(saved, Inv)} in '{configPath}'; a resumed run keeps its settings, so leave the option out or train a new run with --out.");
        }
        if (settings.Tokenizer is { } t && t != config.Tokenizer)
            throw new ArgumentException($"--resume: --tokenizer {t} differs from the run's '{config.Tokenizer}' in '{configPath}'; leave the option out or train a new run with --out.");
        Same("--steps", settings.Steps, config.Steps);
        Same("--batch-size", settings.BatchSize, config.BatchSize);
        Same("--context", settings.Context, config.Context);
        Same("--layers", settings.Layers, config.Layers);
        Same("--d-model", settings.DModel, config.DModel);
        Same("--heads", settings.Heads, config.Heads);
        Same("--lr", settings.LearningRate, config.LearningRate);
        Same("--eval-every", settings.EvalEvery, config.EvalEvery);
        Same("--seed", settings.Seed, config.Seed);
        if (!File.Exists(GptCheckpoint.PathIn(settings.Out ?? Path.Combine("runs", "gpt"))))
            throw new FileNotFoundException($"--resume: '{settings.Out ?? Path.Combine("runs", "gpt")}' has no {GptCheckpoint.FileName} to resume from (the run stopped before its first checkpoint); start it over with --force.");
    }

    static double PreviousSecondsPerStep(string summaryPath)
    {
        try
        {
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(summaryPath));
            return doc.RootElement.TryGetProperty("seconds_per_step", out var v) && v.TryGetDouble(out var d) ? d : double.NaN;
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or InvalidOperationException) { return double.NaN; }
    }

    static string Sha256(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text))).ToLowerInvariant();

    static readonly string[] RunFiles = [GptRunConfig.FileName, GptCheckpoint.FileName, Metrics, Samples, Summary];

    static bool HoldsRun(string dir) => File.Exists(GptRunConfig.PathIn(dir)) || File.Exists(GptCheckpoint.PathIn(dir));

    /// <summary>Removes the files an earlier run left (for --force), and nothing else.</summary>
    static void DeleteRun(string dir)
    {
        foreach (var name in RunFiles) File.Delete(Path.Combine(dir, name));
        foreach (var events in Directory.EnumerateFiles(dir, "events.out.tfevents.*")) File.Delete(events);
    }
}
