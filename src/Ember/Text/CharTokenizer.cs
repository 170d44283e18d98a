using System.Text.Json;

namespace Ember.Text;

/// <summary>
/// One token per UTF-16 character, with a vocabulary built from a corpus (sorted, so the same corpus
/// always gives the same ids). Id 0 is reserved for characters the corpus did not contain: they encode
/// to it and it decodes to <see cref="UnknownChar"/>. The vocabulary round-trips through JSON, so it can
/// travel in a file or in a checkpoint's metadata next to the model it was trained with.
/// </summary>
public sealed class CharTokenizer : ITokenizer
{
    /// <summary>The id of every character outside the vocabulary.</summary>
    public const int UnknownId = 0;

    /// <summary>What the unknown id decodes to (U+FFFD, the replacement character).</summary>
    public const char UnknownChar = '\uFFFD';

    readonly char[] chars;
    readonly Dictionary<char, int> ids;

    /// <summary>A tokenizer over exactly these characters (ids 1, 2, … in the given order; id 0 is unknown).</summary>
    public CharTokenizer(IEnumerable<char> vocabulary)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        chars = vocabulary.ToArray();
        ids = new Dictionary<char, int>(chars.Length);
        for (int i = 0; i < chars.Length; i++)
            if (!ids.TryAdd(chars[i], i + 1))
                throw new ArgumentException($"CharTokenizer: the vocabulary lists '{Escape(chars[i])}' twice; each character must appear once.");
    }

    /// <summary>The distinct characters of <paramref name="corpus"/>, in ordinal order.</summary>
    public static CharTokenizer FromText(string corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        var set = new SortedSet<char>(corpus);
        return new CharTokenizer(set);
    }

    /// <summary>The known characters, in id order (id = index + 1).</summary>
    public IReadOnlyList<char> Vocabulary => chars;

    /// <summary>The known characters plus the unknown id.</summary>
    public int VocabSize => chars.Length + 1;

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
            result[i] = ids.TryGetValue(text[i], out int id) ? id : UnknownId;
        return result;
    }

    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new char[ids.Count];
        for (int i = 0; i < ids.Count; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), $"CharTokenizer.Decode: id {id} at position {i} is outside the vocabulary [0, {VocabSize}).");
            result[i] = id == UnknownId ? UnknownChar : chars[id - 1];
        }
        return new string(result);
    }

    /// <summary>{"type": "char", "vocabulary": "…"}: the characters in id order.</summary>
    public string ToJson()
        => JsonSerializer.Serialize(new Dictionary<string, string> { ["type"] = "char", ["vocabulary"] = new string(chars) });

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    public static CharTokenizer FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        Dictionary<string, string>? fields;
        try { fields = JsonSerializer.Deserialize<Dictionary<string, string>>(json); }
        catch (JsonException e) { throw new FormatException($"CharTokenizer.FromJson: the text is not a tokenizer's JSON object ({e.Message}).", e); }
        if (fields is null || !fields.TryGetValue("type", out var type) || type != "char" || !fields.TryGetValue("vocabulary", out var vocabulary))
            throw new FormatException("CharTokenizer.FromJson: expected an object with \"type\": \"char\" and a \"vocabulary\" string.");
        return new CharTokenizer(vocabulary);
    }

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static CharTokenizer Load(string path) => FromJson(File.ReadAllText(path));

    static string Escape(char c) => char.IsControl(c) ? $"\\u{(int)c:X4}" : c.ToString();
}
