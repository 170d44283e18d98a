using System.CommandLine;
using Ember.Cli.Models;
using Ember.NN;

namespace Ember.Cli.Commands;

/// <summary>`ember summary`: a model's layers, output shapes, parameters and FLOPs for 1×28×28 images.</summary>
internal static class SummaryCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = $"The model: {ModelZoo.Names}.", DefaultValueFactory = _ => ModelZoo.Default, HelpName = "name" };
        model.AcceptOnlyFromAmong([.. ModelZoo.All.Select(m => m.Name)]);
        var batch = NumberOption.WithDefault("--batch-size", "The batch dimension of the input.", 1);
        var cmd = new Command("summary", "Show a model's layers with their output shapes, parameters and FLOPs for a batch of 1×28×28 images.") { model, batch };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("summary", io.Error, () => Run(r.GetValue(model)!, r.GetValue(batch), io.Output));
        });
        return cmd;
    }

    static int Run(string name, int batchSize, TextWriter output)
    {
        if (batchSize < 1) throw new ArgumentException($"--batch-size must be at least 1, got {batchSize}.");
        var spec = ModelZoo.Get(name);
        var model = spec.Create(new Generator(0), new Generator(0));
        output.WriteLine($"{spec.Name}: {spec.Description}");
        output.WriteLine(ModelSummary.Of(model, [batchSize, 1, 28, 28]));
        return 0;
    }
}
