using System.Security.Cryptography;
using Ember.Cli;
using Ember.Data;

namespace Ember.Tests.Cli;

/// <summary>What one in-process run of the tool gave.</summary>
internal sealed record CliResult(int Exit, string Out, string Err)
{
    public string[] ErrLines => Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    public override string ToString() => $"exit {Exit}\nstdout:\n{Out}\nstderr:\n{Err}";
}

/// <summary>Runs `ember` verbs in-process and prepares their folders.</summary>
internal static class CliRunner
{
    public static CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exit = EmberCli.Run(args, output, error);
        return new CliResult(exit, output.ToString(), error.ToString());
    }

    /// <summary>The bundled Fashion-MNIST subset, so the tests do not depend on the full set being installed.</summary>
    public static string BundledData => FashionMnist.FindBundledDirectory()
        ?? throw new InvalidOperationException("the bundled Fashion-MNIST subset (data/fashion-mnist) was not found above the test folder.");

    /// <summary>A quick training run: the MLP for two epochs (unless <paramref name="epochs"/> says otherwise) on 256 images per set, batches of 64, two threads.</summary>
    public static string[] QuickTrain(string outDir, string[] extra, int epochs = 2)
        => ["train", "--model", "mlp", "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--limit", "256", "--batch-size", "64", "--threads", "2", "--workers", "1",
            "--data", BundledData, "--out", outDir, .. extra];

    /// <summary>Every file of a folder with a hash of its contents, to show that a failed call changed nothing.</summary>
    public static Dictionary<string, string> Snapshot(string dir)
        => Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(dir, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    /// <summary>The one-line error contract: non-zero exit, exactly one line on stderr, no stack trace.</summary>
    public static void AssertOneLineError(CliResult r, params string[] mustContain)
    {
        Xunit.Assert.True(r.Exit != 0, r.ToString());
        Xunit.Assert.Single(r.ErrLines);
        Xunit.Assert.DoesNotContain("   at ", r.Err);
        Xunit.Assert.DoesNotContain("Exception", r.Err);
        foreach (var s in mustContain) Xunit.Assert.Contains(s, r.Err);
    }
}

/// <summary>A fresh folder under the temp path, deleted afterwards.</summary>
internal sealed class CliTempDir : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "ember-cli-" + Guid.NewGuid().ToString("N"));
    public CliTempDir() => Directory.CreateDirectory(Path);
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>One quick MLP run, trained once and shared by the tests that only read it.</summary>
public sealed class TrainedRun : IDisposable
{
    readonly CliTempDir temp = new();

    public TrainedRun()
    {
        Dir = temp.File("mlp");
        Result = CliRunner.Run(CliRunner.QuickTrain(Dir, ["--quiet"]));
        if (Result.Exit != 0) throw new InvalidOperationException("the shared training run failed: " + Result);
    }

    public string Dir { get; }
    internal CliResult Result { get; }

    /// <summary>A scratch folder beside the run.</summary>
    public string Scratch(string name)
    {
        string d = temp.File(name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(d);
        return d;
    }

    public void Dispose() => temp.Dispose();
}
