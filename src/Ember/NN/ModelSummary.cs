using System.Globalization;
using System.Text;

namespace Ember.NN;

/// <summary>
/// One row of a <see cref="ModelSummary"/>: a module, where it sits in the tree, and what it costs. OutputShape
/// is null for the parts of a custom module, whose forward pass is not a chain the summary can follow; Flops
/// counts the products it runs (two per multiply-add) and is null where unknown.
/// </summary>
public sealed record LayerSummary(string Name, string Type, int Depth, int[]? OutputShape, long Parameters, long TrainableParameters, long? Flops);

/// <summary>
/// A per-layer table of output shapes, parameter counts and FLOPs for one input shape, like Keras's
/// model.summary() or torchinfo: <c>Console.WriteLine(ModelSummary.Of(model, [1, 1, 28, 28]))</c>.
/// The model runs once in evaluation mode without gradients (batch-norm statistics are untouched);
/// Sequential containers are followed layer by layer, other modules are measured as a whole with their
/// parts listed below them. FLOPs count the products (Linear, MatMul, convolutions), see <see cref="FlopCounter"/>.
/// </summary>
public sealed class ModelSummary
{
    ModelSummary(int[] inputShape, int[] outputShape, IReadOnlyList<LayerSummary> layers, long parameters, long trainable, long flops, long bytes)
    {
        InputShape = inputShape; OutputShape = outputShape; Layers = layers;
        TotalParameters = parameters; TrainableParameters = trainable; TotalFlops = flops; ParameterBytes = bytes;
    }

    public int[] InputShape { get; }
    public int[] OutputShape { get; }
    public IReadOnlyList<LayerSummary> Layers { get; }
    public long TotalParameters { get; }
    public long TrainableParameters { get; }
    public long TotalFlops { get; }
    /// <summary>Bytes of parameters and persistent buffers (what a checkpoint of the weights holds).</summary>
    public long ParameterBytes { get; }

    /// <summary>Runs the model once on a seeded random input of <paramref name="inputShape"/> and tabulates it.</summary>
    public static ModelSummary Of(Module<Tensor, Tensor> model, int[] inputShape, DType dtype = DType.Float32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputShape);
        bool wasTraining = model.Training;
        model.Eval();
        try
        {
            using var noGrad = Autograd.NoGrad();
            using var random = Tensor.Randn(inputShape, new Generator(0));
            using var input = random.To(dtype);
            var rows = new List<LayerSummary>();
            using var total = FlopCounter.Start();
            using var output = Walk(model, model.GetType().Name, 0, input, rows);
            long bytes = model.StateDict().Values.Sum(t => t.NumElements * DTypes.SizeOf(t.DType));
            return new ModelSummary((int[])inputShape.Clone(), output.Shape, rows, model.ParameterCount, model.TrainableParameterCount, total.Flops, bytes);
        }
        finally
        {
            model.Train(wasTraining);
        }
    }

    static Tensor Walk(Module<Tensor, Tensor> module, string name, int depth, Tensor input, List<LayerSummary> rows)
    {
        int row = rows.Count;
        rows.Add(null!);
        using var flops = FlopCounter.Start();
        Tensor output;
        if (module is Sequential sequential)
        {
            output = input.Detach();
            foreach (var (childName, child) in sequential.NamedChildren())
            {
                var next = Walk((Module<Tensor, Tensor>)child, childName, depth + 1, output, rows);
                output.Dispose();
                output = next;
            }
        }
        else
        {
            output = module.Forward(input);
            foreach (var (childName, child) in module.NamedChildren())
                AddParts(child, childName, depth + 1, rows);
        }
        rows[row] = new LayerSummary(name, module.GetType().Name, depth, output.Shape, module.ParameterCount, module.TrainableParameterCount, flops.Flops);
        return output;
    }

    /// <summary>The parts of a module measured as a whole: names, types and parameters only.</summary>
    static void AddParts(Module module, string name, int depth, List<LayerSummary> rows)
    {
        rows.Add(new LayerSummary(name, module.GetType().Name, depth, null, module.ParameterCount, module.TrainableParameterCount, null));
        foreach (var (childName, child) in module.NamedChildren()) AddParts(child, childName, depth + 1, rows);
    }

    /// <summary>The table, with totals, as fixed-width text.</summary>
    public override string ToString()
    {
        var lines = Layers.Select(l => (
            Layer: new string(' ', 2 * l.Depth) + (l.Depth == 0 ? l.Type : $"({l.Name}) {l.Type}"),
            Shape: l.OutputShape is null ? "--" : Shapes.Format(l.OutputShape),
            Params: Count(l.Parameters),
            Flops: l.Flops is { } f ? Count(f) : "--")).ToList();
        int w0 = Math.Max("Layer".Length, lines.Max(l => l.Layer.Length));
        int w1 = Math.Max("Output shape".Length, lines.Max(l => l.Shape.Length));
        int w2 = Math.Max("Params".Length, lines.Max(l => l.Params.Length));
        int w3 = Math.Max("FLOPs".Length, lines.Max(l => l.Flops.Length));
        var sb = new StringBuilder();
        string rule = new('─', w0 + w1 + w2 + w3 + 6);
        sb.AppendLine($"{"Layer".PadRight(w0)}  {"Output shape".PadRight(w1)}  {"Params".PadLeft(w2)}  {"FLOPs".PadLeft(w3)}");
        sb.AppendLine(rule);
        foreach (var l in lines) sb.AppendLine($"{l.Layer.PadRight(w0)}  {l.Shape.PadRight(w1)}  {l.Params.PadLeft(w2)}  {l.Flops.PadLeft(w3)}");
        sb.AppendLine(rule);
        sb.AppendLine($"Input {Shapes.Format(InputShape)} → output {Shapes.Format(OutputShape)}");
        sb.AppendLine($"Parameters: {Count(TotalParameters)} ({Count(TrainableParameters)} trainable), {ParameterBytes / 1024.0:F1} KiB");
        sb.Append($"FLOPs per forward pass: {Count(TotalFlops)} ({TotalFlops / 1e6:F2} M)");
        return sb.ToString();
    }

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
