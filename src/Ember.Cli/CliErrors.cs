namespace Ember.Cli;

/// <summary>Bad input ends with one clear line on stderr and a non-zero exit code, never a stack trace.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or NotSupportedException or UnauthorizedAccessException or FormatException)
        {
            Console.Error.WriteLine($"ember: {e.Message}");
            return 1;
        }
    }
}
