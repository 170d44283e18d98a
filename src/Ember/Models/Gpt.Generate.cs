namespace Ember.Models;

public sealed partial class Gpt
{
    /// <summary>
    /// Continues <paramref name="prompt"/> by up to <see cref="SamplingOptions.MaxNewTokens"/> tokens and
    /// returns the new ones (ending with the end token when it was drawn). The model runs in evaluation
    /// mode without gradients (its mode is restored afterwards). With <paramref name="useCache"/>, each step
    /// feeds only the newest token through a <see cref="KVCache"/>; without, the whole context is recomputed.
    /// Either way the context is the last <see cref="GptConfig.BlockSize"/> tokens, so both give the same tokens.
    /// </summary>
    public int[] Generate(IReadOnlyList<int> prompt, SamplingOptions options, Generator? generator = null, bool useCache = true)
        => GenerateStream(prompt, options, generator, useCache).ToArray();

    /// <summary>As <see cref="Generate"/>, yielding each token as soon as it is drawn (for printing as it goes).</summary>
    public IEnumerable<int> GenerateStream(IReadOnlyList<int> prompt, SamplingOptions options, Generator? generator = null, bool useCache = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompt.Count == 0)
            throw new ArgumentException("Gpt.Generate: the prompt is empty; give at least one token (a start or end-of-text token, if nothing else).");
        for (int i = 0; i < prompt.Count; i++)
            if ((uint)prompt[i] >= (uint)Config.VocabSize)
                throw new ArgumentException($"Gpt.Generate: prompt token {prompt[i]} at position {i} is outside the vocabulary [0, {Config.VocabSize}).");
        return Steps(prompt, options, generator ?? Generator.Default, useCache);
    }

    IEnumerable<int> Steps(IReadOnlyList<int> prompt, SamplingOptions options, Generator generator, bool useCache)
    {
        var context = new List<int>(prompt);
        bool wasTraining = Training;
        Eval();
        using var cache = useCache ? new KVCache(Config.Layers) : null;
        try
        {
            var feed = Window(context);
            for (int n = 0; n < options.MaxNewTokens; n++)
            {
                float[] last;
                using (Autograd.NoGrad())
                {
                    // A full cache starts over from the cropped context, as recomputation would see it.
                    if (cache is not null && cache.Length + feed.Count > Config.BlockSize) { cache.Clear(); feed = Window(context); }
                    using var ids = Tensor.FromArray(feed.Select(i => (long)i).ToArray(), 1, feed.Count);
                    using var logits = Forward(ids, cache);
                    using var lastRow = logits.Select(1, feed.Count - 1);
                    last = lastRow.ToArray<float>();
                }
                int next = Sampler.Sample(last, options, generator);
                context.Add(next);
                yield return next;
                if (next == options.EndToken) yield break;
                feed = cache is not null ? [next] : Window(context);
            }
        }
        finally { Train(wasTraining); }
    }

    List<int> Window(List<int> context)
        => context.Count <= Config.BlockSize ? [.. context] : context.GetRange(context.Count - Config.BlockSize, Config.BlockSize);
}
