using System.Text.Json;

namespace Ember.Cli;

/// <summary>Bad input ends with one clear line on stderr and a non-zero exit code, never a stack trace.</summary>
internal static class CliErrors
{
    /// <summary>Runs a verb; an error caused by its input becomes "ember &lt;verb&gt;: message" on <paramref name="error"/> and exit code 1.</summary>
    public static int Run(string verb, TextWriter error, Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (IsInputError(e))
        {
            error.WriteLine($"{(verb.Length == 0 ? "ember" : "ember " + verb)}: {OneLine(e.Message)}");
            return 1;
        }
    }

    /// <summary>Errors that say something about the input (files, options, data), as opposed to a bug in Ember.</summary>
    public static bool IsInputError(Exception e)
        => e is ArgumentException or InvalidOperationException or IOException or InvalidDataException or NotSupportedException
            or UnauthorizedAccessException or FormatException or JsonException or KeyNotFoundException or OverflowException;

    /// <summary>The message on one line: line breaks (as in lists of mismatched keys) become spaces.</summary>
    public static string OneLine(string message)
        => string.Join(" ", message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
