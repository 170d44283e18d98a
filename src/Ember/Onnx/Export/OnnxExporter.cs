using System.Globalization;
using Ember.NN;
using Ember.Onnx.Export;
using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// Writes a module as an ONNX model by tracing its forward on a sample input, in evaluation mode.
/// The first axis of the input and output is dynamic ("batch"). Before anything is written the graph
/// is checked against the ONNX spec and run by Ember's own importer on the sample and on a batch of
/// another size; a forward that uses an op without an export fails here instead of producing a
/// file that computes something else.
/// </summary>
public static class OnnxExporter
{
    /// <summary>The opsets the exporter writes.</summary>
    public const int MinOpset = 13, MaxOpset = 21;

    /// <summary>Outputs of the exported graph must match the module's forward this closely (relative to max(1, |y|)).</summary>
    const double Tolerance = 1e-4;

    public static void Export(Module<Tensor, Tensor> module, Tensor sampleInput, string path, int opset = 17)
        => Export(module, sampleInput, path, opset, "input", "output");

    /// <summary>Exports to <paramref name="path"/> with the given graph input and output names; the file is replaced atomically.</summary>
    public static void Export(Module<Tensor, Tensor> module, Tensor sampleInput, string path, int opset, string inputName, string outputName)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = ExportToBytes(module, sampleInput, opset, inputName, outputName);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full) ?? ".";
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The exported model as the bytes of an .onnx file.</summary>
    public static byte[] ExportToBytes(Module<Tensor, Tensor> module, Tensor sampleInput, int opset = 17, string inputName = "input", string outputName = "output")
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(sampleInput);
        if (opset < MinOpset || opset > MaxOpset)
            throw new ArgumentOutOfRangeException(nameof(opset), $"OnnxExporter: opset {opset} is not supported; choose an opset from {MinOpset} to {MaxOpset}.");
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentException.ThrowIfNullOrEmpty(outputName);
        if (inputName == outputName)
            throw new ArgumentException($"OnnxExporter: the input and output are both named '{inputName}'; give them different names.");
        if (sampleInput.Rank == 0)
            throw new ArgumentException("OnnxExporter: the sample input is a scalar; it needs a first (batch) axis.");

        var modes = module.Modules().Select(m => (m, m.Training)).ToArray();
        module.Eval();
        try
        {
            var model = Trace(module, sampleInput, opset, inputName, outputName, out var constants);
            OnnxChecker.Check(model);
            var bytes = model.ToByteArray();
            Verify(module, sampleInput, bytes, inputName, outputName, constants);
            return bytes;
        }
        finally
        {
            foreach (var (m, training) in modes) m.Train(training);
        }
    }

    static ModelProto Trace(Module<Tensor, Tensor> module, Tensor sample, int opset, string inputName, string outputName, out List<string> constants)
    {
        var tracer = new OnnxTracer(module, opset) { Batch = sample.Shape[0] };
        using var x = sample.Detach();
        // Autograd marks everything computed from the input, so a result of an untraced op is recognised.
        if (x.DType.IsFloatingPoint()) x.RequiresGrad = true;
        tracer.Input(x, inputName);
        tracer.Reserve(outputName);
        Tensor y;
        using (OnnxTrace.Begin(tracer))
            y = OnnxTrace.Call(tracer, module, x, module.Forward);
        using (y)
        {
            string result;
            using (OnnxTrace.Begin(tracer)) result = tracer.In(y);
            // Rename the value to the output name, or pass the input (or a constant) through Identity.
            var producer = tracer.Nodes.LastOrDefault(n => n.Output.Contains(result));
            if (producer is not null && !tracer.Nodes.Any(n => n.Input.Contains(result)))
                producer.Output[producer.Output.IndexOf(result)] = outputName;
            else
                tracer.Nodes.Add(new NodeProto { Name = "output/Identity", OpType = "Identity", Input = { result }, Output = { outputName } });

            var (nodes, initializers) = Prune(tracer, outputName);
            var graph = new GraphProto { Name = module.GetType().Name.Split('`')[0] };
            graph.Node.Add(nodes);
            graph.Initializer.Add(initializers);
            graph.Input.Add(ValueInfo(inputName, x));
            graph.Output.Add(ValueInfo(outputName, y));
            var model = new ModelProto
            {
                IrVersion = IrVersion(opset),
                ProducerName = "Ember",
                ProducerVersion = typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "",
                Graph = graph,
            };
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
            var live = nodes.SelectMany(n => n.Input).ToHashSet();
            constants = tracer.Constants.Where(c => live.Contains(c.Key)).Select(c => c.Value).ToList();
            return model;
        }
    }

    /// <summary>
    /// Keeps the nodes the output depends on (the internal steps of ops exported as a whole were
    /// recorded too) and the initializers they read; fails if a kept node reads an untraced value.
    /// </summary>
    static (List<NodeProto>, List<TensorProto>) Prune(OnnxTracer tracer, string outputName)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal) { outputName };
        var kept = new List<NodeProto>();
        for (int i = tracer.Nodes.Count - 1; i >= 0; i--)
        {
            var n = tracer.Nodes[i];
            if (!n.Output.Any(needed.Contains)) continue;
            kept.Add(n);
            foreach (var input in n.Input) needed.Add(input);
        }
        kept.Reverse();
        foreach (var (name, error) in tracer.Untraced)
            if (needed.Contains(name)) throw new NotSupportedException(error);
        return (kept, tracer.Initializers.Where(t => needed.Contains(t.Name)).ToList());
    }

    /// <summary>The IR version that introduced <paramref name="opset"/> (so older runtimes still read the file).</summary>
    static long IrVersion(int opset) => opset switch { <= 14 => 7, <= 18 => 8, <= 20 => 9, _ => 10 };

    static ValueInfoProto ValueInfo(string name, Tensor t)
    {
        var shape = new TensorShapeProto();
        for (int i = 0; i < t.Rank; i++)
            shape.Dim.Add(i == 0 ? new TensorShapeProto.Types.Dimension { DimParam = "batch" } : new TensorShapeProto.Types.Dimension { DimValue = t.Shape[i] });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTypes.ToOnnx(t.DType), Shape = shape } },
        };
    }

    /// <summary>Runs the file with Ember's importer on the sample and on a batch of another size, against the module's forward.</summary>
    static void Verify(Module<Tensor, Tensor> module, Tensor sample, byte[] bytes, string inputName, string outputName, List<string> constants)
    {
        using var model = OnnxModel.Load(bytes);
        int b = sample.Shape[0];
        using var other = OtherBatch(sample, b == 1 ? 3 : b + 1);
        foreach (var input in new[] { sample, other })
        {
            using var _ = Autograd.NoGrad();
            using var expected = module.Forward(input);
            Dictionary<string, Tensor> outputs;
            try
            {
                outputs = model.Run(new Dictionary<string, Tensor> { [inputName] = input });
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or InvalidDataException)
            {
                throw new NotSupportedException(
                    $"OnnxExporter: the exported graph of {module.GetType().Name} fails on an input of shape {Shapes.Format(input.Shape)}: {e.Message}{Hint(constants)}", e);
            }
            try
            {
                var actual = outputs[outputName];
                string? problem = Compare(expected, actual);
                if (problem is not null)
                    throw new NotSupportedException(
                        $"OnnxExporter: the exported graph of {module.GetType().Name} disagrees with its forward on an input of shape {Shapes.Format(input.Shape)}: {problem}. The forward uses an op without an ONNX export, or one whose export does not match it{Hint(constants)}");
            }
            finally
            {
                foreach (var t in outputs.Values) t.Dispose();
            }
        }
    }

    static string Hint(List<string> constants) => constants.Count == 0 ? "." :
        $"; tensors made inside forward were embedded as constants of shape {string.Join(", ", constants.Distinct())}: if one depends on the input, compute it with exportable tensor ops.";

    static string? Compare(Tensor expected, Tensor actual)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            return $"the output has shape {Shapes.Format(actual.Shape)} instead of {Shapes.Format(expected.Shape)}";
        if (!expected.DType.IsFloatingPoint())
        {
            using var e64 = expected.To(DType.Int64);
            using var a64 = actual.To(DType.Int64);
            return e64.ToArray<long>().SequenceEqual(a64.ToArray<long>()) ? null : "the integer outputs differ";
        }
        using var e = expected.To(DType.Float64);
        using var a = actual.To(DType.Float64);
        var ev = e.ToArray<double>();
        var av = a.ToArray<double>();
        for (int i = 0; i < ev.Length; i++)
        {
            double d = Math.Abs(ev[i] - av[i]);
            bool bothNaN = double.IsNaN(ev[i]) && double.IsNaN(av[i]);
            if (!bothNaN && (double.IsNaN(d) || d > Tolerance * Math.Max(1, Math.Abs(ev[i])) && !(ev[i] == av[i])))
                return string.Create(CultureInfo.InvariantCulture, $"element {i} is {av[i]:G6} instead of {ev[i]:G6}");
        }
        return null;
    }

    /// <summary>
    /// A batch of <paramref name="size"/> rows taken from the sample's rows in turn (valid for any dtype,
    /// tokens included); floating-point rows are perturbed, so a forward that read the sample's values
    /// into constants is caught too.
    /// </summary>
    static Tensor OtherBatch(Tensor sample, int size)
    {
        var rows = new Tensor[size];
        try
        {
            for (int i = 0; i < size; i++) rows[i] = sample.Narrow(0, i % sample.Shape[0], 1);
            using (Autograd.NoGrad())
            {
                var batch = Tensor.Cat(rows, 0);
                if (!batch.DType.IsFloatingPoint()) return batch;
                using (batch)
                using (var noise = Tensor.Randn(batch.Shape, new Generator(20240601)))
                using (var scaled = noise * 0.1)
                using (var typed = scaled.To(batch.DType))
                    return batch + typed;
            }
        }
        finally
        {
            foreach (var r in rows) r?.Dispose();
        }
    }
}
