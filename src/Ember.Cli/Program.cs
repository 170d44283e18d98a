using Ember.Cli;

return EmberCli.Run(args, Console.Out, Console.Error);
