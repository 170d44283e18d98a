using System.Text.Json;
using Ember.Serialization;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>
/// `ember gpt train` and `ember gpt sample` in-process on a tiny model and a few steps: the run folder's artifacts,
/// a run stopped (as by Ctrl+C) and resumed ends with the same weights as one that was never stopped, sampling is
/// fixed by its seed, and bad input ends in one line on stderr. The thread count is process-wide, so these run
/// alone (the Memory collection).
/// </summary>
[Collection("Memory")]
public sealed class GptCommandTests
{
    /// <summary>The start of the bundled corpus: enough text for a few windows of 16 characters either side of the split.</summary>
    static string WriteText(CliTempDir temp, int chars = 6000)
    {
        string corpus = FindCorpus();
        string path = temp.File("text.txt");
        File.WriteAllText(path, File.ReadAllText(corpus)[..chars]);
        return path;
    }

    static string FindCorpus()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d != null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "data", "corpus", "kjv-genesis-exodus.txt");
            if (File.Exists(candidate)) return candidate;
        }
        throw new InvalidOperationException("the bundled corpus (data/corpus) was not found above the test folder.");
    }

    /// <summary>A tiny run: one layer of width 16, context 16, batches of 4, 6 steps with evaluations at 3 and 6; an option in <paramref name="extra"/> replaces its default.</summary>
    static string[] Tiny(string text, string outDir, params string[] extra)
    {
        string[] defaults = ["--layers", "1", "--d-model", "16", "--heads", "2", "--context", "16", "--batch-size", "4", "--steps", "6",
            "--eval-every", "3", "--threads", "1", "--seed", "3"];
        var args = new List<string> { "gpt", "train", "--text", text, "--out", outDir };
        for (int i = 0; i < defaults.Length; i += 2)
            if (!extra.Contains(defaults[i])) args.AddRange([defaults[i], defaults[i + 1]]);
        args.AddRange(extra);
        return [.. args];
    }

    [Fact]
    public void ARunWritesConfigCheckpointMetricsEventsSamplesAndSummary()
    {
        using var temp = new CliTempDir();
        string text = WriteText(temp), dir = temp.File("run");
        var r = CliRunner.Run(Tiny(text, dir));
        Assert.True(r.Exit == 0, r.ToString());
        Assert.Contains("bits per character", r.Out);
        Assert.Contains("tokens/s", r.Out);

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Equal("ember-gpt-run", config.RootElement.GetProperty("format").GetString());
        Assert.Equal("char", config.RootElement.GetProperty("tokenizer").GetString());
        Assert.Equal(16, config.RootElement.GetProperty("d_model").GetInt32());

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var s = summary.RootElement;
        Assert.Equal(6, s.GetProperty("steps").GetInt32());
        double bpc = s.GetProperty("val_bpc").GetDouble(), loss = s.GetProperty("val_loss").GetDouble();
        Assert.InRange(bpc, 1.0, 8.0);
        Assert.Equal(loss / Math.Log(2), bpc, 9); // characters: bits per character is the loss in bits
        Assert.Equal(s.GetProperty("val_tokens").GetInt32(), s.GetProperty("val_chars").GetInt32());
        Assert.True(s.GetProperty("seconds_per_step").GetDouble() > 0);
        Assert.True(s.GetProperty("tokens_per_second").GetDouble() > 0);

        var csv = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(3, csv.Length); // header and evaluations at steps 3 and 6
        Assert.Equal("step,train_loss,val_loss,val_bpc,lr", csv[0]);
        Assert.StartsWith("3,", csv[1]);
        Assert.StartsWith("6,", csv[2]);

        string samples = File.ReadAllText(Path.Combine(dir, "samples.txt"));
        Assert.Contains("--- step 3:", samples);
        Assert.Contains("--- step 6:", samples);

        var meta = Safetensors.ReadMetadata(Path.Combine(dir, "checkpoint.safetensors"));
        Assert.Equal("6", meta["step"]);
        Assert.Contains("\"char\"", meta["tokenizer"]);
        var names = Safetensors.ReadHeader(Path.Combine(dir, "checkpoint.safetensors")).Select(t => t.Name).ToList();
        Assert.Contains("model.wte.weight", names);
        Assert.Contains(names, n => n.StartsWith("optimizer.", StringComparison.Ordinal));
        Assert.Contains("rng.data", names);

        var events = Directory.GetFiles(dir, "events.out.tfevents.*");
        Assert.Single(events);
        Assert.True(new FileInfo(events[0]).Length > 100);

        // A folder that holds a run is not overwritten without --force.
        CliRunner.AssertOneLineError(CliRunner.Run(Tiny(text, dir)), "already holds a run");
        Assert.Equal(0, CliRunner.Run(Tiny(text, dir, "--force", "--quiet")).Exit);
    }

    [Fact]
    public void WithGpt2TokensBitsPerCharacterCountTheCharactersTheTokensSpell()
    {
        using var temp = new CliTempDir();
        string text = WriteText(temp, 4000), dir = temp.File("run");
        var r = CliRunner.Run(Tiny(text, dir, "--tokenizer", "gpt2", "--steps", "2", "--eval-every", "2", "--quiet"));
        Assert.True(r.Exit == 0, r.ToString());
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")));
        var s = summary.RootElement;
        Assert.Equal("gpt2", s.GetProperty("tokenizer").GetString());
        int tokens = s.GetProperty("val_tokens").GetInt32(), chars = s.GetProperty("val_chars").GetInt32();
        Assert.InRange((double)chars / tokens, 2.5, 6); // English BPE: about four characters a token
        Assert.Equal(s.GetProperty("val_loss").GetDouble() * tokens / chars / Math.Log(2), s.GetProperty("val_bpc").GetDouble(), 9);
        var sample = CliRunner.Run("gpt", "sample", "--run", dir, "--tokens", "5", "--threads", "1");
        Assert.True(sample.Exit == 0, sample.ToString());
    }

    [Fact]
    public void AStoppedAndResumedRunEndsWithTheWeightsOfAnUninterruptedOne()
    {
        using var temp = new CliTempDir();
        string text = WriteText(temp), whole = temp.File("whole"), parts = temp.File("parts");
        Assert.Equal(0, CliRunner.Run(Tiny(text, whole, "--quiet")).Exit);

        // Stopped between evaluations, so the resumed part starts from the checkpoint written on stopping.
        var stopped = CliRunner.Run(Tiny(text, parts, "--quiet", "--stop-after-steps", "4"));
        Assert.True(stopped.Exit == 130, stopped.ToString());
        Assert.Contains("--resume", stopped.Out);
        Assert.Equal("4", Safetensors.ReadMetadata(Path.Combine(parts, "checkpoint.safetensors"))["step"]);
        var resumed = CliRunner.Run("gpt", "train", "--resume", "--out", parts, "--quiet");
        Assert.True(resumed.Exit == 0, resumed.ToString());

        var a = Safetensors.Load(Path.Combine(whole, "checkpoint.safetensors"));
        var b = Safetensors.Load(Path.Combine(parts, "checkpoint.safetensors"));
        try
        {
            Assert.Equal(a.Keys.Order(), b.Keys.Order());
            foreach (var key in a.Keys.Where(k => k.StartsWith("model.", StringComparison.Ordinal) || k.StartsWith("optimizer.", StringComparison.Ordinal)))
            {
                using var x = a[key].To(DType.Float64);
                using var y = b[key].To(DType.Float64);
                Assert.True(x.ToArray<double>().SequenceEqual(y.ToArray<double>()), $"{key} differs after resuming");
            }
        }
        finally
        {
            foreach (var t in a.Values.Concat(b.Values)) t.Dispose();
        }
        Assert.Equal(File.ReadAllLines(Path.Combine(whole, "metrics.csv")), File.ReadAllLines(Path.Combine(parts, "metrics.csv")));

        // Options that decide the result must agree with the run's.
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "train", "--resume", "--out", parts, "--steps", "9"), "--steps 9 differs");
    }

    [Fact]
    public void SamplingIsFixedByItsSeed()
    {
        using var temp = new CliTempDir();
        string text = WriteText(temp), dir = temp.File("run");
        Assert.Equal(0, CliRunner.Run(Tiny(text, dir, "--quiet")).Exit);
        string[] Sample(string seed) => ["gpt", "sample", "--run", dir, "--prompt", "And God", "--tokens", "40", "--seed", seed, "--threads", "1"];
        var first = CliRunner.Run(Sample("5"));
        Assert.True(first.Exit == 0, first.ToString());
        Assert.StartsWith("And God", first.Out);
        Assert.Equal("And God".Length + 40, first.Out.TrimEnd('\n').Length);
        Assert.Equal(first.Out, CliRunner.Run(Sample("5")).Out);
        Assert.NotEqual(first.Out, CliRunner.Run(Sample("6")).Out);
        var greedy = CliRunner.Run("gpt", "sample", "--run", dir, "--temperature", "0", "--tokens", "10", "--top-k", "3", "--top-p", "0.9");
        Assert.True(greedy.Exit == 0, greedy.ToString());
    }

    [Fact]
    public void BadInputEndsInOneLineOnStderr()
    {
        using var temp = new CliTempDir();
        string missing = temp.File("missing.txt");
        CliRunner.AssertOneLineError(CliRunner.Run(Tiny(missing, temp.File("a"))), "missing.txt", "does not exist");
        Assert.False(Directory.Exists(temp.File("a")));

        string empty = temp.File("empty.txt");
        File.WriteAllText(empty, "");
        CliRunner.AssertOneLineError(CliRunner.Run(Tiny(empty, temp.File("b"))), "is empty");

        string tiny = temp.File("tiny.txt");
        File.WriteAllText(tiny, "In the beginning");
        CliRunner.AssertOneLineError(CliRunner.Run(Tiny(tiny, temp.File("c"))), "too few");

        CliRunner.AssertOneLineError(CliRunner.Run(Tiny(WriteText(temp), temp.File("d"), "--d-model", "15")), "divisible");
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "train", "--steps", "zero"), "--steps", "ember gpt train:");

        // A folder of an image-classifier run is not a GPT run.
        string other = temp.File("classifier");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "config.json"), "{\"format\": \"ember-run\", \"model\": \"mlp\"}");
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "sample", "--run", other), "not a GPT run");
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "train", "--resume", "--out", other), "not a GPT run");
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "sample", "--run", temp.File("nothing")), "does not exist");
        CliRunner.AssertOneLineError(CliRunner.Run("gpt", "sample", "--run", other, "--top-p", "1.5"), "--top-p");
    }
}
