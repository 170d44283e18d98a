using System.CommandLine;
using Ember.Cli;

var root = new RootCommand("ember: build, train and run neural networks with Ember.");
root.Subcommands.Add(TrainCommand.Create());
return CliErrors.Run(() => root.Parse(args).Invoke());
