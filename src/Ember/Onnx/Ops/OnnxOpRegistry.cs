namespace Ember.Onnx.Ops;

/// <summary>Runs one imported node: inputs by position (null for an omitted optional input), outputs by position.</summary>
internal delegate Tensor?[] OnnxKernel(Tensor?[] inputs);

/// <summary>Reads a node's attributes for its opset and returns the kernel that runs it.</summary>
internal delegate OnnxKernel OnnxImporter(OnnxNode node);

/// <summary>
/// The operators Ember imports, keyed by op type in the default (ai.onnx) domain. Each family file
/// registers its operators here; an importer receives the opset and applies that version's rules.
/// </summary>
internal static class OnnxOpRegistry
{
    /// <summary>The newest ai.onnx opset whose operator definitions Ember knows.</summary>
    public const int MaxOpset = 28;

    static readonly Dictionary<string, OnnxImporter> importers = Build();

    static Dictionary<string, OnnxImporter> Build()
    {
        var r = new Dictionary<string, OnnxImporter>(StringComparer.Ordinal);
        ElementwiseOps.Register(r);
        BinaryOps.Register(r);
        ActivationOps.Register(r);
        ReductionOps.Register(r);
        MatMulOps.Register(r);
        ConvOps.Register(r);
        PoolOps.Register(r);
        NormalizationOps.Register(r);
        SoftmaxOps.Register(r);
        ShapeOps.Register(r);
        IndexingOps.Register(r);
        JoiningOps.Register(r);
        GeneratorOps.Register(r);
        MiscOps.Register(r);
        ResizeOps.Register(r);
        RecurrentOps.Register(r);
        QuantizeOps.Register(r);
        ControlFlowOps.Register(r);
        return r;
    }

    public static IReadOnlyCollection<string> Operators => importers.Keys;

    public static bool IsDefaultDomain(string domain) => domain is "" or "ai.onnx";

    public static OnnxKernel Import(OnnxNode node, string domain)
    {
        if (!IsDefaultDomain(domain))
            throw new NotSupportedException($"ONNX: {node.Describe()} is in the operator domain '{domain}', which Ember does not implement; only ai.onnx operators are supported.");
        if (!importers.TryGetValue(node.OpType, out var importer))
            throw new NotSupportedException($"ONNX: {node.Describe()} uses the operator '{node.OpType}', which Ember does not implement.");
        return importer(node);
    }
}
