namespace Ember.Text;

/// <summary>Turns text into token ids and back. Ids lie in [0, <see cref="VocabSize"/>).</summary>
public interface ITokenizer
{
    /// <summary>The number of distinct ids: the size of a language model's embedding table and output layer.</summary>
    int VocabSize { get; }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    int[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>; each id must lie in [0, VocabSize).</summary>
    string Decode(IReadOnlyList<int> ids);
}
