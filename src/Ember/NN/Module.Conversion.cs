using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;

namespace Ember.NN;

public abstract partial class Module
{
    static readonly ConcurrentDictionary<Type, FieldInfo[]> tensorFields = new();

    /// <summary>
    /// Converts every floating-point parameter and buffer of this module and its descendants to
    /// <paramref name="dtype"/>, values rounded as <see cref="Tensor.To"/> does; integer and bool buffers
    /// (BatchNorm's num_batches_tracked) are left alone. See <see cref="ModuleConversion.To{T}"/>.
    /// </summary>
    internal void ConvertFloatingPoint(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw new ArgumentException($"Module.To: {dtype} is not a floating-point dtype; a module's parameters and buffers convert to Float32 or Float64 only.", nameof(dtype));
        var modules = Modules().ToArray();
        var converted = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using (Autograd.NoGrad())
        {
            foreach (var m in modules)
            {
                m.EnsureScanned();
                for (int i = 0; i < m.parameters.Count; i++)
                {
                    var (name, p) = m.parameters[i];
                    if (p is null || !NeedsConversion(p, dtype)) continue;
                    if (!converted.TryGetValue(p, out var np)) converted[p] = np = ConvertParameter(p, dtype);
                    m.parameters[i] = (name, (Parameter)np);
                }
                for (int i = 0; i < m.buffers.Count; i++)
                {
                    var (name, b, persistent) = m.buffers[i];
                    if (!NeedsConversion(b, dtype)) continue;
                    if (!converted.TryGetValue(b, out var nb)) converted[b] = nb = b.To(dtype);
                    m.buffers[i] = (name, nb, persistent);
                }
            }
            if (converted.Count == 0) return;
            // Layers read their tensors through their own fields (Weight, RunningMean, arrays of weights), so point those at the new tensors too.
            foreach (var m in modules)
                foreach (var f in tensorFields.GetOrAdd(m.GetType(), FieldsThatMayHoldTensors))
                    Rebind(m, f, converted);
        }
        // The old parameters are freed now: the module no longer uses them. Old buffers stay valid for
        // whoever still holds one, as in PyTorch, and go back to the pool when collected.
        foreach (var old in converted.Keys.OfType<Parameter>()) old.Dispose();
    }

    static bool NeedsConversion(Tensor t, DType dtype) => t.DType.IsFloatingPoint() && t.DType != dtype;

    /// <summary>A new parameter with the old one's values in <paramref name="dtype"/>, its requires-grad flag and its gradient (converted too).</summary>
    static Parameter ConvertParameter(Parameter p, DType dtype)
    {
        Parameter result;
        using (var values = p.To(dtype)) result = new Parameter(values, p.RequiresGrad);
        if (p.Grad is { } g) result.Grad = g.To(dtype);
        return result;
    }

    static void Rebind(Module owner, FieldInfo field, Dictionary<Tensor, Tensor> converted)
    {
        switch (field.GetValue(owner))
        {
            case Tensor t when converted.TryGetValue(t, out var replacement):
                field.SetValue(owner, replacement);
                break;
            case IList list:
                Replace(list, converted);
                break;
        }
    }

    /// <summary>Replaces converted tensors in an array or list, and in arrays of them (an LSTM's weights per layer).</summary>
    static void Replace(IList list, Dictionary<Tensor, Tensor> converted)
    {
        if (list.IsReadOnly) return;
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is Tensor t) { if (converted.TryGetValue(t, out var r)) list[i] = r; }
            else if (list[i] is IList inner) Replace(inner, converted);
        }
    }

    /// <summary>The instance fields of a module type (its own and its base classes', Module's excepted) whose type can hold a tensor, or arrays and lists of them.</summary>
    static FieldInfo[] FieldsThatMayHoldTensors(Type type)
    {
        var result = new List<FieldInfo>();
        for (var t = type; t is not null && t != typeof(Module); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (MayHoldTensor(f.FieldType, depth: 3)) result.Add(f);
        return [.. result];
    }

    static bool MayHoldTensor(Type type, int depth)
    {
        if (typeof(Tensor).IsAssignableFrom(type) || type == typeof(object)) return true;
        if (depth == 0) return false;
        if (type.IsArray) return MayHoldTensor(type.GetElementType()!, depth - 1);
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>) && MayHoldTensor(type.GetGenericArguments()[0], depth - 1);
    }
}

/// <summary>
/// PyTorch's <c>module.to(dtype)</c>, <c>module.double()</c> and <c>module.float()</c>: they convert a model's
/// floating-point parameters and buffers in place and return the model, so <c>var m = new Net().Double();</c> keeps its type.
/// </summary>
/// <remarks>
/// An Ember tensor keeps its dtype for life, so where PyTorch swaps each parameter's <c>.data</c> and keeps the
/// Parameter objects, Ember puts a new <see cref="Parameter"/> in each converted one's place: in the module's
/// registry and in the fields, arrays and lists of the layers that hold it (<c>linear.Weight</c> then returns the
/// new one). Names, order, sharing (tied weights stay tied), requires-grad flags and gradients carry over; the old
/// parameters are disposed. An optimizer holds the parameters it was given, so build it after converting, as PyTorch
/// advises for moves too; one built before would update nothing. Tensors that a layer keeps anywhere other than
/// its fields, arrays and lists are not seen.
/// </remarks>
public static class ModuleConversion
{
    /// <summary>Converts the floating-point parameters and buffers of <paramref name="module"/> (recursively) to <paramref name="dtype"/>, which must be Float32 or Float64; returns the module.</summary>
    public static T To<T>(this T module, DType dtype) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        module.ConvertFloatingPoint(dtype);
        return module;
    }

    /// <summary>Converts the floating-point parameters and buffers to Float64 (PyTorch's <c>module.double()</c>).</summary>
    public static T Double<T>(this T module) where T : Module => module.To(DType.Float64);

    /// <summary>Converts the floating-point parameters and buffers to Float32 (PyTorch's <c>module.float()</c>).</summary>
    public static T Float<T>(this T module) where T : Module => module.To(DType.Float32);
}
