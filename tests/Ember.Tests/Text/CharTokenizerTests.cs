using Ember.Text;
using Xunit;

namespace Ember.Tests.Text;

public sealed class CharTokenizerTests
{
    [Fact]
    public void VocabularyIsTheSortedDistinctCharactersAfterTheUnknownId()
    {
        var tok = CharTokenizer.FromText("hello, world");
        Assert.Equal(" ,dehlorw", new string(tok.Vocabulary.ToArray()));
        Assert.Equal(10, tok.VocabSize);
        Assert.Equal([5, 4, 6, 6, 7], tok.Encode("hello")); // h, e, l, l, o at their places + 1
    }

    [Fact]
    public void EncodeThenDecodeRoundTrips()
    {
        const string text = "In the beginning God created the heaven and the earth.\nAnd the earth was without form";
        var tok = CharTokenizer.FromText(text);
        var ids = tok.Encode(text);
        Assert.Equal(text.Length, ids.Length);
        Assert.All(ids, id => Assert.InRange(id, 1, tok.VocabSize - 1));
        Assert.Equal(text, tok.Decode(ids));
    }

    [Fact]
    public void UnknownCharactersEncodeToZeroAndDecodeToTheReplacementCharacter()
    {
        var tok = CharTokenizer.FromText("abc");
        var ids = tok.Encode("abz!");
        Assert.Equal([1, 2, 0, 0], ids);
        Assert.Equal("ab\uFFFD\uFFFD", tok.Decode(ids));
    }

    [Fact]
    public void JsonRoundTripKeepsTheIds()
    {
        var tok = CharTokenizer.FromText("The LORD said unto Moses, \"Go\";\t\u00e9\n");
        var json = tok.ToJson();
        var back = CharTokenizer.FromJson(json);
        Assert.Equal(tok.Vocabulary, back.Vocabulary);
        Assert.Equal(tok.Encode("Moses said"), back.Encode("Moses said"));

        var path = Path.Combine(Path.GetTempPath(), $"ember-char-{Guid.NewGuid():N}.json");
        try
        {
            tok.Save(path);
            Assert.Equal(tok.Vocabulary, CharTokenizer.Load(path).Vocabulary);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void BadInputIsRejectedWithClearMessages()
    {
        var tok = CharTokenizer.FromText("ab");
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([1, 3]));
        Assert.Contains("id 3 at position 1", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => tok.Decode([-1]));
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => new CharTokenizer("aba")).Message);
        Assert.Throws<FormatException>(() => CharTokenizer.FromJson("{\"type\": \"bpe\"}"));
        Assert.Throws<FormatException>(() => CharTokenizer.FromJson("not json"));
    }

    [Fact]
    public void TokenizersRestoresEitherKindFromJson()
    {
        var chars = CharTokenizer.FromText("abc\n");
        var back = Assert.IsType<CharTokenizer>(Tokenizers.FromJson(Tokenizers.ToJson(chars)));
        Assert.Equal(chars.Vocabulary, back.Vocabulary);
        var bpe = Assert.IsType<Gpt2Tokenizer>(Tokenizers.FromJson(Tokenizers.ToJson(new Gpt2Tokenizer())));
        Assert.Equal(50257, bpe.VocabSize);
        Assert.Contains("unknown tokenizer type 'wordpiece'", Assert.Throws<FormatException>(() => Tokenizers.FromJson("{\"type\":\"wordpiece\"}")).Message);
    }
}
