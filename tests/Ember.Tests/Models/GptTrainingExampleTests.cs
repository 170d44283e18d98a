using Ember.Models;
using Ember.Optim;
using Ember.Text;
using Xunit;
using Xunit.Abstractions;
using F = Ember.NN.Functional;

namespace Ember.Tests.Models;

/// <summary>
/// The whole path, end to end, as a user would write it: a character tokenizer over the bundled corpus
/// (data/corpus), a position split into training and validation windows, a tiny Gpt trained a few hundred
/// AdamW steps with a plain loop, then sampling. Its validation loss, in bits per character, must fall
/// well below the unigram baseline (the cross-entropy of the validation text under the training text's
/// character frequencies): the model has learned more than which letters are common.
/// </summary>
public sealed class GptTrainingExampleTests(ITestOutputHelper output)
{
    internal static string CorpusPath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "data", "corpus", "kjv-genesis-exodus.txt");
            if (File.Exists(path)) return path;
        }
        throw new FileNotFoundException("GptTrainingExampleTests: data/corpus/kjv-genesis-exodus.txt was not found above the test's folder.");
    }

    [Fact]
    public void TinyGptLearnsTheBundledCorpus()
    {
        // 1. Text → ids → windows (the last 10% of the text for validation).
        var text = File.ReadAllText(CorpusPath());
        var tokenizer = CharTokenizer.FromText(text);
        var ids = tokenizer.Encode(text);
        const int block = 32;
        var (train, validation) = TextWindowDataset.Split(ids, block);

        // 2. A tiny model and its optimiser.
        var gpt = new Gpt(new GptConfig(tokenizer.VocabSize, block, Layers: 2, Heads: 4, DModel: 64, Dropout: 0), new Generator(0));
        var optimizer = new AdamW(gpt.Parameters(), lr: 3e-3, weightDecay: 0.01);
        var batches = new Generator(1);

        // 3. The plain loop: a random batch, the loss over every position, a step.
        for (int step = 0; step < 300; step++)
        {
            using var batch = train.SampleBatch(16, batches);
            using var logits = gpt.Forward(batch.Input);
            using var flat = logits.Reshape(-1, tokenizer.VocabSize);
            using var targets = batch.Target.Reshape(-1);
            using var loss = F.CrossEntropy(flat, targets);
            optimizer.ZeroGrad();
            loss.Backward();
            GradClipping.ClipGradNorm(gpt.Parameters(), 1.0);
            optimizer.Step();
        }

        // 4. Validation loss in bits per character, against the unigram baseline.
        double bits = ValidationBits(gpt, validation, windows: 64);
        double unigram = UnigramBits(train.Tokens, validation.Tokens, tokenizer.VocabSize);
        output.WriteLine($"validation {bits:F3} bits/char, unigram baseline {unigram:F3}");
        Assert.True(bits < unigram - 0.8, $"validation: {bits:F3} bits/char after training; the unigram baseline is {unigram:F3}");

        // 5. Sampling: the trained model continues a prompt.
        var prompt = tokenizer.Encode("And the LORD said");
        var continuation = gpt.Generate(prompt, new SamplingOptions(MaxNewTokens: 60, Temperature: 0.8, TopK: 10), new Generator(2));
        output.WriteLine("And the LORD said" + tokenizer.Decode(continuation));
        Assert.Equal(60, continuation.Length);
        Assert.DoesNotContain(CharTokenizer.UnknownChar, tokenizer.Decode(continuation));
    }

    static double ValidationBits(Gpt gpt, TextWindowDataset validation, int windows)
    {
        gpt.Eval();
        double total = 0;
        int n = Math.Min(windows, validation.Count);
        using (Autograd.NoGrad())
        {
            var samples = Enumerable.Range(0, n).Select(i => validation[i]).ToList();
            using var batch = TextWindowDataset.Collate(samples);
            using var logits = gpt.Forward(batch.Input);
            using var flat = logits.Reshape(-1, gpt.Config.VocabSize);
            using var targets = batch.Target.Reshape(-1);
            using var loss = F.CrossEntropy(flat, targets);
            total = loss.ToArray<float>()[0];
        }
        gpt.Train();
        return total / Math.Log(2);
    }

    /// <summary>Cross-entropy (bits) of the validation tokens under the training tokens' add-one-smoothed frequencies.</summary>
    static double UnigramBits(IReadOnlyList<int> train, IReadOnlyList<int> validation, int vocab)
    {
        var counts = new double[vocab];
        Array.Fill(counts, 1.0);
        foreach (int t in train) counts[t]++;
        double sum = counts.Sum();
        return validation.Average(t => -Math.Log2(counts[t] / sum));
    }
}
