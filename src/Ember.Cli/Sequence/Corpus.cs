namespace Ember.Cli.Sequence;

/// <summary>The text a GPT run trains on: a file given with --text, or the bundled corpus (data/corpus).</summary>
internal static class Corpus
{
    public const string BundledRelativePath = "data/corpus/kjv-genesis-exodus.txt";

    /// <summary>The bundled corpus, searched for above the tool's folder and the current folder; null when absent.</summary>
    public static string? FindBundled()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d != null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, BundledRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>The path and contents of the text to train on, with a clear error for a missing or empty file.</summary>
    public static (string Path, string Text) Read(string? path)
    {
        path ??= FindBundled() ?? throw new FileNotFoundException($"the bundled corpus ({BundledRelativePath}) was not found above the tool's folder or the current folder; pass a text file with --text.");
        if (!File.Exists(path))
            throw new FileNotFoundException(Directory.Exists(path) ? $"--text: '{path}' is a folder; pass a text file." : $"--text: the file '{path}' does not exist.", path);
        string text = File.ReadAllText(path);
        if (text.Length == 0) throw new InvalidDataException($"--text: '{path}' is empty; a GPT needs text to train on.");
        return (Path.GetFullPath(path), text);
    }
}
