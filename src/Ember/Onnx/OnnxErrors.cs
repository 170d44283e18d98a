namespace Ember.Onnx;

/// <summary>Turns an op's error into one that names the ONNX node, its operator and its inputs.</summary>
internal static class OnnxErrors
{
    public static Exception Wrap(OnnxNode node, string[] names, Tensor?[] args, Exception e)
    {
        var inputs = string.Join(", ", args.Select((a, i) => a is null ? $"{Name(names, i)}: (omitted)" : $"{Name(names, i)}: {a.DType} {Shapes.Format(a.Shape)}"));
        string message = $"ONNX: {node.Describe()} failed on inputs ({inputs}): {e.Message}";
        return e switch
        {
            NotSupportedException => new NotSupportedException(message, e),
            ArgumentException => new ArgumentException(message, e),
            _ => new InvalidOperationException(message, e),
        };
    }

    static string Name(string[] names, int i) => i < names.Length && names[i].Length > 0 ? names[i] : $"#{i}";
}
