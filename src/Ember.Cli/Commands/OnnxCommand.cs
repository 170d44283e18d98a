using System.CommandLine;
using Ember.Onnx;

namespace Ember.Cli.Commands;

/// <summary>`ember onnx`: look into, run and test ONNX models with Ember's importer.</summary>
internal static class OnnxCommand
{
    public static Command Create() => new("onnx", "Inspect, run and test ONNX models on Ember's kernels.")
    {
        OnnxInfoCommand.Create(),
        OnnxRunCommand.Create(),
        OnnxTestCommand.Create(),
        OnnxExportCommand.Create(),
    };

    /// <summary>The model argument every verb shares.</summary>
    public static Argument<string> ModelArgument() => new("model") { Description = "The .onnx model file." };

    /// <summary>Loads a model, naming the file in the error when it is missing or not ONNX.</summary>
    public static OnnxModel Load(string path)
    {
        if (Directory.Exists(path)) throw new ArgumentException($"'{path}' is a folder; give the .onnx file.");
        if (!File.Exists(path)) throw new FileNotFoundException($"the model file '{path}' does not exist.", path);
        return OnnxModel.Load(path);
    }

    /// <summary>"[batch, 3, 224, 224]": sizes, symbolic names, or ? where the size is unknown.</summary>
    public static string FormatShape(OnnxTensorInfo info)
        => info.Shape is null ? "(rank unknown)" : "[" + string.Join(", ", info.Shape.Select((d, i) => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? info.DimNames?[i] ?? "?")) + "]";
}
