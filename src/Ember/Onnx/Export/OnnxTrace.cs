using Ember.NN;

namespace Ember.Onnx.Export;

/// <summary>
/// The tracer recording ops on this thread, or null (always, outside an export). Ops call their
/// family's exporter only when it is set, so tracing costs untraced code a single null check.
/// </summary>
internal static class OnnxTrace
{
    [ThreadStatic] static OnnxTracer? active;

    public static OnnxTracer? Active => active;

    /// <summary>Makes <paramref name="tracer"/> the active one until the returned scope is disposed.</summary>
    public static IDisposable Begin(OnnxTracer? tracer) => new Scope(tracer);

    /// <summary>Runs forward with recording off (a layer that exports as a unit records its own nodes).</summary>
    public static IDisposable Suppress() => new Scope(null);

    sealed class Scope : IDisposable
    {
        readonly OnnxTracer? previous;
        bool done;
        public Scope(OnnxTracer? next) { previous = active; active = next; }
        public void Dispose() { if (!done) { done = true; active = previous; } }
    }

    /// <summary>Module.Call under a tracer: a layer with an exporter becomes its nodes, any other module is descended into.</summary>
    public static TOut Call<TIn, TOut>(OnnxTracer tracer, Module module, TIn input, Func<TIn, TOut> forward)
    {
        if (input is Tensor x && ModuleExporters.Find(module) is { } export)
        {
            TOut y;
            using (Suppress()) y = forward(input);
            if (y is Tensor t)
            {
                using (tracer.EnterModule(module)) export(tracer, module, x, t);
                return y;
            }
        }
        using (tracer.EnterModule(module)) return forward(input);
    }
}
