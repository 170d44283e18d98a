using System.CommandLine;
using Ember.Cli;

var root = new RootCommand("ember: build, train and run neural networks with Ember.");
root.Subcommands.Add(TrainCommand.Create());
// Errors are reported by CliErrors as one line, not by the parser's default handler with a stack trace.
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
