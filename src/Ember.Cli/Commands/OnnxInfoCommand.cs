using System.CommandLine;
using System.Globalization;
using Ember.Onnx;

namespace Ember.Cli.Commands;

/// <summary>`ember onnx info`: a model's inputs, outputs, versions, producer, operators and parameter count.</summary>
internal static class OnnxInfoCommand
{
    public static Command Create()
    {
        var model = OnnxCommand.ModelArgument();
        var cmd = new Command("info", "Show an ONNX model's inputs and outputs (dynamic axes by name), IR version, opsets, producer, operator counts and parameter count.") { model };
        cmd.SetAction(r =>
        {
            var io = r.InvocationConfiguration;
            return CliErrors.Run("onnx info", io.Error, () => Run(r.GetValue(model)!, io.Output));
        });
        return cmd;
    }

    static int Run(string path, TextWriter output)
    {
        using var model = OnnxCommand.Load(path);
        var inv = CultureInfo.InvariantCulture;
        output.WriteLine($"model:       {path}");
        output.WriteLine($"ir_version:  {model.IrVersion}");
        output.WriteLine($"opsets:      {string.Join(", ", model.OpsetImports.Select(o => $"{o.Domain} {o.Version}"))}");
        string producer = string.Join(" ", new[] { model.ProducerName, model.ProducerVersion }.Where(s => s.Length > 0));
        output.WriteLine($"producer:    {(producer.Length > 0 ? producer : "(not given)")}");
        WriteValues(output, "inputs", model.Inputs);
        WriteValues(output, "outputs", model.Outputs);
        int floats = model.Initializers.Values.Count(t => t.DType.IsFloatingPoint());
        output.WriteLine($"parameters:  {model.ParameterCount.ToString("N0", inv)} (elements in {floats} float initializers)");
        output.WriteLine();
        int width = Math.Max(8, model.OperatorCounts.Select(o => o.Operator.Length).DefaultIfEmpty(0).Max());
        output.WriteLine($"{"operator".PadRight(width)}  {"count",6}");
        foreach (var (op, count) in model.OperatorCounts) output.WriteLine($"{op.PadRight(width)}  {count,6}");
        output.WriteLine($"{"total".PadRight(width)}  {model.OperatorCounts.Sum(o => o.Count),6}");
        return 0;
    }

    static void WriteValues(TextWriter output, string title, IReadOnlyList<OnnxTensorInfo> values)
    {
        output.WriteLine($"{title}:");
        if (values.Count == 0) { output.WriteLine("  (none)"); return; }
        int width = values.Max(v => v.Name.Length);
        foreach (var v in values) output.WriteLine($"  {v.Name.PadRight(width)}  {v.ElementType,-8} {OnnxCommand.FormatShape(v)}");
    }
}
