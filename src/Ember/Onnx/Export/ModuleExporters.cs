using Ember.NN;
using Ember.Onnx.Ops;

namespace Ember.Onnx.Export;

/// <summary>Emits the nodes of a layer that exports as a unit, mapping its output <c>y</c> for input <c>x</c>.</summary>
internal delegate void ModuleExporter(OnnxTracer tracer, Module module, Tensor x, Tensor y);

/// <summary>
/// The layers that export as a unit rather than op by op (their forward runs fused kernels with no
/// ONNX counterpart, or ONNX has one operator for the whole layer), keyed by module type. Each
/// family file registers its layers beside its importers.
/// </summary>
internal static class ModuleExporters
{
    static readonly Dictionary<Type, ModuleExporter> exporters = Build();

    static Dictionary<Type, ModuleExporter> Build()
    {
        var r = new Dictionary<Type, ModuleExporter>();
        RecurrentOps.RegisterExport(r);
        return r;
    }

    public static ModuleExporter? Find(Module module) => exporters.GetValueOrDefault(module.GetType());

    /// <summary>Whether a layer type of this name exports as a unit (for the hint in an untraced-op error).</summary>
    public static bool IsUnit(string typeName) => exporters.Keys.Any(t => t.Name == typeName);
}
