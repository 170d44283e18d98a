using System.CommandLine;
using Ember.Cli.Runs;
using Ember.NN;
using Ember.Onnx;

namespace Ember.Cli.Commands;

/// <summary>
/// `ember onnx export`: a trained run's model as an ONNX file that takes raw pixels, so a runtime needs
/// nothing else: input "image" [batch, 1, 28, 28] in [0, 1], output "logits" [batch, 10].
/// </summary>
internal static class OnnxExportCommand
{
    public static Command Create()
    {
        var run = CommonOptions.Run();
        var checkpoint = CommonOptions.Checkpoint();
        var output = new Option<string?>("--output", "-o") { Description = "The .onnx file to write (default: model.onnx in the run folder)." };
        var opset = NumberOption.Optional<int>("--opset", "ONNX opset to target, 13 to 21 (default 17).");
        var cmd = new Command("export", "Export a trained run's model to ONNX; the graph normalises raw [0, 1] pixels itself.") { run, checkpoint, output, opset };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("onnx export", io.Error,
                () => Run(r.GetValue(run)!, r.GetValue(checkpoint)!, r.GetValue(output), r.GetValue(opset) ?? 17, io.Output));
        });
        return cmd;
    }

    static int Run(string runDir, string checkpoint, string? path, int opset, TextWriter output)
    {
        var run = LoadedRun.Open(runDir, checkpoint);
        path ??= Path.Combine(run.Directory, "model.onnx");
        var model = new RawPixels(run.Model);
        using var sample = Tensor.Zeros([1, 1, 28, 28]);
        OnnxExporter.Export(model, sample, path, opset, "image", "logits");
        output.WriteLine($"Wrote {path} from {run.Describe()}: input image [batch, 1, 28, 28] in [0, 1], output logits [batch, {Data.FashionMnist.ClassNames.Count}], opset {opset}.");
        return 0;
    }

    /// <summary>The run's model behind the training set's normalisation.</summary>
    sealed class RawPixels : Module<Tensor, Tensor>
    {
        readonly Module<Tensor, Tensor> model;
        public RawPixels(Module<Tensor, Tensor> model) => this.model = Child("model", model);

        public override Tensor Forward(Tensor x)
        {
            using var centred = x - FashionData.Mean;
            using var normalised = centred / FashionData.Std;
            return model.Call(normalised);
        }
    }
}
