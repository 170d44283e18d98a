using Ember.Text;
using Xunit;

namespace Ember.Tests.Text;

/// <summary>GPT-2's byte-level BPE: the ids are GPT-2's own (as its published vocabulary assigns them).</summary>
public sealed class Gpt2TokenizerTests
{
    static readonly Gpt2Tokenizer tok = new();

    [Theory]
    [InlineData("Hello world", new[] { 15496, 995 })]
    [InlineData("hello", new[] { 31373 })]
    [InlineData(" the", new[] { 262 })]
    [InlineData("!", new[] { 0 })]
    public void KnownStringsGiveGpt2Ids(string text, int[] expected)
    {
        Assert.Equal(expected, tok.Encode(text));
        Assert.Equal(text, tok.Decode(expected));
    }

    [Fact]
    public void VocabularyHas50257IdsEndingWithEndOfText()
    {
        Assert.Equal(50257, tok.VocabSize);
        Assert.Equal("<|endoftext|>", tok.Decode([Gpt2Tokenizer.EndOfText]));
    }

    [Theory]
    [InlineData("In the beginning God created the heaven and the earth.\n\nAnd the earth was without form, and void;")]
    [InlineData("Unicode: café, naïve, 日本語, emoji 🙂 and tabs\tand   spaces")]
    [InlineData("")]
    public void AnyTextRoundTrips(string text)
    {
        var ids = tok.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, tok.VocabSize - 1));
        Assert.Equal(text, tok.Decode(ids));
    }

    [Fact]
    public void OutOfRangeIdsAreRejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([15496, 50257]));
        Assert.Contains("50257", e.Message);
        Assert.Contains("Gpt2Tokenizer", e.Message);
    }
}
