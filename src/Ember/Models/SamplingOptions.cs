namespace Ember.Models;

/// <summary>
/// How <see cref="Gpt.Generate"/> picks each next token.
/// </summary>
/// <param name="MaxNewTokens">The most tokens to add after the prompt.</param>
/// <param name="Temperature">Divides the logits: below 1 sharpens, above 1 flattens; 0 is greedy (argmax).</param>
/// <param name="TopK">Keep only the k most likely tokens (null: all).</param>
/// <param name="TopP">Nucleus sampling: keep the smallest set of most likely tokens whose probability adds up to at least p (null: all).</param>
/// <param name="EndToken">Stop after generating this id (it is included in the result).</param>
public sealed record SamplingOptions(int MaxNewTokens = 100, double Temperature = 1.0, int? TopK = null, double? TopP = null, int? EndToken = null)
{
    /// <summary>Throws an ArgumentException naming the first setting out of range.</summary>
    public void Validate()
    {
        if (MaxNewTokens < 0) throw new ArgumentException($"SamplingOptions: MaxNewTokens must be non-negative, got {MaxNewTokens}.");
        if (!(Temperature >= 0) || double.IsPositiveInfinity(Temperature))
            throw new ArgumentException($"SamplingOptions: Temperature must be finite and non-negative (0 is greedy), got {Temperature}.");
        if (TopK is { } k && k <= 0) throw new ArgumentException($"SamplingOptions: TopK must be positive, got {k}.");
        if (TopP is { } p && !(p > 0 && p <= 1)) throw new ArgumentException($"SamplingOptions: TopP must lie in (0, 1], got {p}.");
    }
}
