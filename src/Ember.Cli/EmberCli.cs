using System.CommandLine;
using Ember.Cli.Commands;

namespace Ember.Cli;

/// <summary>The `ember` tool: its verbs, and how parse errors and bad input are reported.</summary>
internal static class EmberCli
{
    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("ember: train, evaluate and run neural networks with Ember: Fashion-MNIST image models, a GPT and recurrent examples out of the box, and ONNX models.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(SummaryCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(OnnxCommand.Create());
        root.Subcommands.Add(GptCommand.Create());
        root.Subcommands.Add(RnnCommand.Create());
        return root;
    }

    /// <summary>"ember gpt train" for a subcommand's result: the whole path, so a message names the verb that was run.</summary>
    static string CommandPath(System.CommandLine.Parsing.CommandResult result)
    {
        var names = new List<string>();
        for (var r = result; r is not null; r = r.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(r.Command is RootCommand ? "ember" : r.Command.Name);
        names.Reverse();
        return string.Join(' ', names);
    }

    /// <summary>Runs the tool with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // Without a verb, the overview of the verbs is the most useful answer.
        var parse = CreateRoot().Parse(args.Length == 0 ? ["--help"] : args);
        if (parse.Errors.Count > 0)
        {
            // One line, as for every other bad input; --help shows the options.
            string verb = CommandPath(parse.CommandResult);
            var messages = parse.Errors.Select(e => CliErrors.OneLine(e.Message)).Distinct();
            error.WriteLine($"{verb}: {string.Join(" ", messages)} (see {verb} --help)");
            return 2;
        }
        // The thread count is process-wide; a verb's --threads must not outlive the call (tests run verbs in-process).
        int threads = Threading.NumThreads;
        try
        {
            // Errors are reported by CliErrors as one line, not by the parser's default handler with a stack trace.
            return CliErrors.Run("", error, () => parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Output = output, Error = error }));
        }
        finally { Threading.SetNumThreads(threads); }
    }
}
