using Ember.Models;
using Ember.NN;
using Ember.Text;
using F = Ember.NN.Functional;

namespace Ember.Cli.Sequence;

/// <summary>
/// The validation score of a GPT run: the summed cross-entropy (nats) over the target tokens of the first
/// non-overlapping validation windows, per token (the loss) and per character of the text those tokens spell,
/// in bits (bits per character: for characters, loss / ln 2; for BPE tokens, total nats / characters / ln 2).
/// </summary>
internal sealed class GptEvaluation
{
    readonly TextWindowDataset windows;
    readonly int count, batch;

    public GptEvaluation(TextWindowDataset validation, ITokenizer tokenizer, int maxWindows, int batchSize)
    {
        windows = validation;
        count = Math.Min(maxWindows, validation.Count);
        batch = batchSize;
        // Strided windows of stride T: their targets are one contiguous stretch of the stream.
        int stride = validation.Stride;
        var targets = new List<int>(count * validation.BlockSize);
        for (int w = 0; w < count; w++)
            for (int t = 0; t < validation.BlockSize; t++) targets.Add(validation.Tokens[w * stride + t + 1]);
        Tokens = targets.Count;
        Chars = Math.Max(1, tokenizer.Decode(targets).Length);
    }

    /// <summary>Target tokens scored.</summary>
    public int Tokens { get; }

    /// <summary>The characters those tokens decode to.</summary>
    public int Chars { get; }

    /// <summary>(mean loss per token, bits per character), without gradients, in evaluation mode.</summary>
    public (double Loss, double Bpc) Run(Gpt model)
    {
        bool wasTraining = model.Training;
        model.Eval();
        double nats = 0;
        try
        {
            using var _ = Autograd.NoGrad();
            for (int start = 0; start < count; start += batch)
            {
                var samples = Enumerable.Range(start, Math.Min(batch, count - start)).Select(windows.Get).ToArray();
                using var b = TextWindowDataset.Collate(samples);
                using var logits = model.Forward(b.Input);
                using var flat = logits.Reshape(-1, logits.Shape[^1]);
                using var targets = b.Target.Reshape(-1);
                using var loss = F.CrossEntropy(flat, targets, Reduction.Sum);
                nats += loss.Item<float>();
            }
        }
        finally { model.Train(wasTraining); }
        return (nats / Tokens, nats / Chars / Math.Log(2));
    }
}
