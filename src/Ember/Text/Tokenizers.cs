using System.Text.Json;

namespace Ember.Text;

/// <summary>
/// Saving and restoring any of Ember's tokenizers as one JSON string, e.g. under a "tokenizer" key of a
/// checkpoint's metadata, so a trained model can be reloaded with the ids it was trained on.
/// </summary>
public static class Tokenizers
{
    /// <summary>{"type": "char", "vocabulary": …} or {"type": "gpt2"}.</summary>
    public static string ToJson(ITokenizer tokenizer) => tokenizer switch
    {
        null => throw new ArgumentNullException(nameof(tokenizer)),
        CharTokenizer c => c.ToJson(),
        Gpt2Tokenizer => "{\"type\":\"gpt2\"}",
        _ => throw new ArgumentException($"Tokenizers.ToJson: {tokenizer.GetType().Name} has no JSON form; save it yourself."),
    };

    /// <summary>The tokenizer <see cref="ToJson"/> described.</summary>
    public static ITokenizer FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        string? type;
        try
        {
            using var doc = JsonDocument.Parse(json);
            type = doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("type", out var t) ? t.GetString() : null;
        }
        catch (JsonException e) { throw new FormatException($"Tokenizers.FromJson: the text is not a tokenizer's JSON object ({e.Message}).", e); }
        return type switch
        {
            "char" => CharTokenizer.FromJson(json),
            "gpt2" => new Gpt2Tokenizer(),
            _ => throw new FormatException($"Tokenizers.FromJson: unknown tokenizer type '{type}'; expected \"char\" or \"gpt2\"."),
        };
    }
}
