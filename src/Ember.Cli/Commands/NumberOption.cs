using System.CommandLine;
using System.Globalization;

namespace Ember.Cli.Commands;

/// <summary>Numeric options whose parse errors read as sentences ("--epochs: 'abc' is not a whole number.").</summary>
internal static class NumberOption
{
    /// <summary>An optional number: null when not given.</summary>
    public static Option<T?> Optional<T>(string name, string description) where T : struct, IParsable<T>
        => new(name)
        {
            Description = description,
            HelpName = "N",
            CustomParser = r => Parse<T>(r.Tokens.Count > 0 ? r.Tokens[^1].Value : "", name, out var v, out var error) ? v : Fail<T?>(r, error),
        };

    /// <summary>A number with a default.</summary>
    public static Option<T> WithDefault<T>(string name, string description, T value) where T : struct, IParsable<T>
        => new(name)
        {
            Description = description,
            HelpName = "N",
            DefaultValueFactory = _ => value,
            CustomParser = r => Parse<T>(r.Tokens.Count > 0 ? r.Tokens[^1].Value : "", name, out var v, out var error) ? v : Fail<T>(r, error),
        };

    static bool Parse<T>(string text, string name, out T value, out string error) where T : struct, IParsable<T>
    {
        error = "";
        if (T.TryParse(text, CultureInfo.InvariantCulture, out value)) return true;
        string kind = typeof(T) == typeof(double) || typeof(T) == typeof(float) ? "a number" : typeof(T) == typeof(ulong) ? "a whole number ≥ 0" : "a whole number";
        error = $"{name}: '{text}' is not {kind}.";
        return false;
    }

    static TOut Fail<TOut>(System.CommandLine.Parsing.ArgumentResult r, string error)
    {
        r.AddError(error);
        return default!;
    }
}
