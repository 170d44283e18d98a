using Ember.Onnx.Ops;
using Ember.Onnx.Protos;
using Google.Protobuf;

namespace Ember.Onnx;

/// <summary>
/// An ONNX model imported for inference on Ember's ops. Loading checks the file and imports every
/// node; <see cref="Run(IReadOnlyDictionary{string, Tensor})"/> executes the nodes in topological order under no-grad, freeing each
/// intermediate after its last consumer. The model is immutable after loading, so Run may be
/// called from several threads at once.
/// </summary>
public sealed class OnnxModel : IDisposable
{
    /// <summary>Files larger than this are refused before parsing (protobuf's own 2 GiB limit).</summary>
    const long MaxModelBytes = int.MaxValue;

    readonly OnnxPlan plan;
    readonly Dictionary<string, Tensor> initializers;
    int disposed;

    OnnxModel(ModelProto proto, string? baseDir)
    {
        IrVersion = proto.IrVersion;
        ProducerName = proto.ProducerName;
        ProducerVersion = proto.ProducerVersion;
        OpsetImports = proto.OpsetImport.Select(o => (OnnxOpRegistry.IsDefaultDomain(o.Domain) ? "ai.onnx" : o.Domain, o.Version)).ToArray();
        BaseDir = baseDir;
        var graph = proto.Graph ?? throw new InvalidDataException("ONNX: the model has no graph.");
        Opset = DefaultOpset(proto);
        initializers = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var init in graph.Initializer)
            {
                if (initializers.ContainsKey(init.Name))
                    throw new InvalidDataException($"ONNX: the initializer '{init.Name}' appears twice.");
                initializers[init.Name] = OnnxTensors.ToTensor(init, baseDir, $"the initializer '{init.Name}'");
            }
            if (graph.SparseInitializer.Count > 0)
                throw new NotSupportedException($"ONNX: the model has {graph.SparseInitializer.Count} sparse initializers ('{graph.SparseInitializer[0].Values?.Name}'), which Ember does not read.");
            // Before IR 4 initializers were also listed as inputs; those are not inputs a caller must give.
            Inputs = graph.Input.Where(i => !initializers.ContainsKey(i.Name)).Select(OnnxTensorInfo.From).ToArray();
            Outputs = graph.Output.Select(OnnxTensorInfo.From).ToArray();
            foreach (var v in Inputs.Concat(Outputs))
                if (!v.IsTensor)
                    throw new NotSupportedException($"ONNX: the graph value '{v.Name}' is of type {v.ElementType}; Ember runs only tensor inputs and outputs.");
            InputNames = Inputs.Select(i => i.Name).ToArray();
            OutputNames = Outputs.Select(o => o.Name).ToArray();
            plan = OnnxPlan.Build(graph, Opset, baseDir, InputNames, initializers.Keys, OutputNames);
            OperatorCounts = CountOperators(graph);
            // The weights now live in tensors; ToModule needs only the nodes, so drop the bytes.
            graph.Initializer.Clear();
            Graph = graph;
        }
        catch
        {
            foreach (var t in initializers.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Loads a model file; external data files are read relative to its folder.</summary>
    public static OnnxModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"ONNX: the model file '{path}' does not exist.", path);
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var dir = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        return new OnnxModel(Parse(fs, $"'{path}'"), dir);
    }

    /// <summary>Loads a model from bytes (it cannot use external data).</summary>
    public static OnnxModel Load(byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var ms = new MemoryStream(bytes, writable: false);
        return new OnnxModel(Parse(ms, "the given bytes"), null);
    }

    /// <summary>Loads a model from a stream; <paramref name="baseDir"/> is where external data files live, if any.</summary>
    public static OnnxModel Load(Stream stream, string? baseDir = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new OnnxModel(Parse(stream, "the stream"), baseDir);
    }

    static ModelProto Parse(Stream stream, string source)
    {
        if (stream.CanSeek && stream.Length - stream.Position > MaxModelBytes)
            throw new InvalidDataException($"ONNX: {source} is {stream.Length} bytes, larger than the 2 GiB a protobuf model can hold; keep large weights in external data.");
        ModelProto model;
        try
        {
            // A length field can never claim more than the bytes actually there.
            int limit = stream.CanSeek ? (int)Math.Clamp(stream.Length - stream.Position, 1, MaxModelBytes) : int.MaxValue;
            var input = CodedInputStream.CreateWithLimits(stream, limit, recursionLimit: 100); // not disposed: the stream is the caller's
            model = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException($"ONNX: {source} is not a valid ONNX model (truncated or not protobuf): {e.Message}", e);
        }
        if (model.Graph is null)
            throw new InvalidDataException($"ONNX: {source} holds no graph; it is empty or not an ONNX model.");
        return model;
    }

    static int DefaultOpset(ModelProto proto)
    {
        // IR versions before 3 had no opset_import and meant opset 1.
        if (proto.OpsetImport.Count == 0) return 1;
        long? v = null;
        foreach (var o in proto.OpsetImport)
            if (OnnxOpRegistry.IsDefaultDomain(o.Domain)) v = o.Version;
        if (v is null) return 1;
        if (v < 1 || v > OnnxOpRegistry.MaxOpset)
            throw new NotSupportedException($"ONNX: the model imports ai.onnx opset {v}; Ember supports opsets 1 to {OnnxOpRegistry.MaxOpset}.");
        return (int)v;
    }

    public IReadOnlyList<string> InputNames { get; }
    public IReadOnlyList<string> OutputNames { get; }
    /// <summary>Declared types and shapes of the inputs the caller gives (initializers excluded).</summary>
    public IReadOnlyList<OnnxTensorInfo> Inputs { get; }
    public IReadOnlyList<OnnxTensorInfo> Outputs { get; }
    /// <summary>The ai.onnx opset the model imports.</summary>
    public int Opset { get; }
    public long IrVersion { get; }
    public string ProducerName { get; }
    public string ProducerVersion { get; }
    /// <summary>Every operator set the model imports, as (domain, version); the default domain is spelled "ai.onnx".</summary>
    public IReadOnlyList<(string Domain, long Version)> OpsetImports { get; }
    /// <summary>How many nodes of each operator the main graph has (subgraphs of If and Loop included), most frequent first.</summary>
    public IReadOnlyList<(string Operator, int Count)> OperatorCounts { get; }
    /// <summary>Elements in the floating-point initializers: the weights a trainable copy (<see cref="ToModule"/>) would hold.</summary>
    public long ParameterCount => initializers.Values.Where(t => t.DType.IsFloatingPoint()).Sum(t => t.NumElements);

    /// <summary>The graph without its initializer bytes (those are in <see cref="Initializers"/>).</summary>
    internal GraphProto Graph { get; }
    internal string? BaseDir { get; }
    /// <summary>The ai.onnx operators Ember imports, in ordinal order.</summary>
    public static IReadOnlyList<string> SupportedOperators { get; } = OnnxOpRegistry.Operators.Order(StringComparer.Ordinal).ToArray();

    /// <summary>The newest ai.onnx opset Ember reads.</summary>
    public const int MaxOpset = OnnxOpRegistry.MaxOpset;

    /// <summary>The model's constant tensors by name (owned by the model; do not dispose).</summary>
    public IReadOnlyDictionary<string, Tensor> Initializers => initializers;

    /// <summary>Runs the graph on named inputs and returns every graph output by name (the caller owns them).</summary>
    public Dictionary<string, Tensor> Run(IReadOnlyDictionary<string, Tensor> inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        CheckInputs(inputs);
        return plan.Execute(inputs, initializers);
    }

    /// <summary>Runs a single-input model and returns its first output.</summary>
    public Tensor Run(Tensor input)
    {
        if (InputNames.Count != 1)
            throw new ArgumentException($"ONNX: Run(Tensor) needs a model with one input, but this one has {InputNames.Count}: {string.Join(", ", InputNames)}.");
        var outputs = Run(new Dictionary<string, Tensor> { [InputNames[0]] = input });
        var first = outputs[OutputNames[0]];
        foreach (var (k, v) in outputs) if (k != OutputNames[0]) v.Dispose();
        return first;
    }

    /// <summary>
    /// A trainable copy of the graph: floating-point initializers become parameters (batch norm statistics
    /// become buffers), and Forward runs the same operator implementations with autograd recording, so
    /// the model can be fine-tuned. The module owns copies of the weights; this model may be disposed.
    /// </summary>
    public OnnxModule ToModule()
    {
        ObjectDisposedException.ThrowIf(disposed != 0, this);
        return new OnnxModule(this);
    }

    static (string, int)[] CountOperators(GraphProto graph)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        void Walk(GraphProto g)
        {
            foreach (var n in g.Node)
            {
                string op = OnnxOpRegistry.IsDefaultDomain(n.Domain) ? n.OpType : $"{n.Domain}.{n.OpType}";
                counts[op] = counts.GetValueOrDefault(op) + 1;
                foreach (var a in n.Attribute)
                {
                    if (a.G is not null) Walk(a.G);
                    foreach (var sub in a.Graphs) Walk(sub);
                }
            }
        }
        Walk(graph);
        return counts.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (kv.Key, kv.Value)).ToArray();
    }

    void CheckInputs(IReadOnlyDictionary<string, Tensor> inputs)
    {
        foreach (var name in inputs.Keys)
            if (!InputNames.Contains(name) && !initializers.ContainsKey(name))
                throw new ArgumentException($"ONNX: the model has no input '{name}'; its inputs are {Describe(Inputs)}.", nameof(inputs));
        foreach (var info in Inputs)
        {
            if (!inputs.TryGetValue(info.Name, out var t) || t is null)
                throw new ArgumentException($"ONNX: the input '{info.Name}' is missing; the model needs {Describe(Inputs)}.", nameof(inputs));
            if (info.DType is DType d && t.DType != d)
                throw new ArgumentException($"ONNX: the input '{info.Name}' should be {info.ElementType} ({d}), but a {t.DType} tensor of shape {Shapes.Format(t.Shape)} was given.", nameof(inputs));
            if (info.Shape is { } s)
            {
                var actual = t.Shape;
                bool ok = actual.Length == s.Count;
                for (int i = 0; ok && i < s.Count; i++) ok = s[i] is not int want || want == actual[i];
                if (!ok)
                    throw new ArgumentException($"ONNX: the input '{info.Name}' should have shape {info}, but a tensor of shape {Shapes.Format(actual)} was given.", nameof(inputs));
            }
        }
    }

    static string Describe(IReadOnlyList<OnnxTensorInfo> infos) => infos.Count == 0 ? "none" : string.Join(", ", infos);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        foreach (var t in initializers.Values) t.Dispose();
    }
}
