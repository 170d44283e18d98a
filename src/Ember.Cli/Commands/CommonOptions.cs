using System.CommandLine;
using Ember.Cli.Models;

namespace Ember.Cli.Commands;

/// <summary>Options several verbs share, described once.</summary>
internal static class CommonOptions
{
    public static Option<string> Run() => new("--run")
    {
        Description = $"The run folder written by `ember train` (default runs/{ModelZoo.Default}).",
        DefaultValueFactory = _ => Path.Combine("runs", ModelZoo.Default),
        HelpName = "DIR",
    };

    public static Option<string> Checkpoint()
    {
        var o = new Option<string>("--checkpoint") { Description = "Which weights: best (by validation accuracy) or last.", DefaultValueFactory = _ => "best" };
        o.AcceptOnlyFromAmong("best", "last");
        return o;
    }

    public static Option<string?> Data() => new("--data")
    {
        Description = "The folder with the Fashion-MNIST IDX files (default: the run's, else the full set or the bundled subset).",
        HelpName = "DIR",
    };

    public static Option<int?> Threads() => NumberOption.Optional<int>("--threads", "Threads for the math (default: all cores).");

    /// <summary>Sets the thread count, checking the value.</summary>
    public static void ApplyThreads(int? threads)
    {
        if (threads is < 1) throw new ArgumentException($"--threads must be at least 1, got {threads}.");
        Threading.SetNumThreads(threads ?? Environment.ProcessorCount);
    }
}
