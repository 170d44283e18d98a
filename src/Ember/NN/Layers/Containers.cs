using System.Collections;
using System.Globalization;

namespace Ember.NN;

/// <summary>
/// A list of modules registered as children "0", "1", ... (PyTorch's ModuleList): it holds layers a
/// custom Forward indexes or loops over, so their parameters are found and saved. It has no Forward.
/// </summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    readonly List<T> items = [];

    public ModuleList(params IEnumerable<T> modules)
    {
        foreach (var m in modules) Add(m);
    }

    public int Count => items.Count;

    public T this[int index]
    {
        get => items[CheckIndex(index)];
        set => items[CheckIndex(index)] = SetChild(Key(CheckIndex(index)), value);
    }

    public T this[Index index]
    {
        get => this[index.GetOffset(items.Count)];
        set => this[index.GetOffset(items.Count)] = value;
    }

    /// <summary>Appends a module under the next number and returns this list.</summary>
    public ModuleList<T> Add(T module)
    {
        Child(Key(items.Count), module);
        items.Add(module);
        return this;
    }

    public ModuleList<T> AddRange(IEnumerable<T> modules)
    {
        foreach (var m in modules) Add(m);
        return this;
    }

    int CheckIndex(int index)
    {
        if ((uint)index >= (uint)items.Count)
            throw new ArgumentOutOfRangeException(nameof(index), $"{GetType().Name.Split('`')[0]}: index {index} is out of range for {items.Count} modules.");
        return index;
    }

    static string Key(int i) => i.ToString(CultureInfo.InvariantCulture);

    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A list of any modules (ModuleList&lt;Module&gt;).</summary>
public sealed class ModuleList(params IEnumerable<Module> modules) : ModuleList<Module>(modules);

/// <summary>
/// Modules by string key, in insertion order, registered as children under their keys (PyTorch's
/// ModuleDict). Assigning to an existing key replaces that module in place.
/// </summary>
public class ModuleDict<T> : Module, IReadOnlyDictionary<string, T> where T : Module
{
    readonly OrderedDictionary<string, T> items = new();

    public ModuleDict() { }

    public ModuleDict(IEnumerable<KeyValuePair<string, T>> modules)
    {
        foreach (var (k, m) in modules) Add(k, m);
    }

    public int Count => items.Count;

    public T this[string key]
    {
        get => items.TryGetValue(key, out var m) ? m
            : throw new KeyNotFoundException($"{GetType().Name.Split('`')[0]}: no module under the key '{key}'; the keys are [{string.Join(", ", items.Keys)}].");
        set
        {
            if (items.ContainsKey(key)) items[key] = SetChild(key, value);
            else Add(key, value);
        }
    }

    /// <summary>Adds a module under a new key (no dots) and returns this dictionary.</summary>
    public ModuleDict<T> Add(string key, T module)
    {
        Child(key, module);
        items.Add(key, module);
        return this;
    }

    public IEnumerable<string> Keys => items.Keys;
    public IEnumerable<T> Values => items.Values;
    public bool ContainsKey(string key) => items.ContainsKey(key);
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T value) => items.TryGetValue(key, out value);

    public IEnumerator<KeyValuePair<string, T>> GetEnumerator() => items.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>A dictionary of any modules (ModuleDict&lt;Module&gt;).</summary>
public sealed class ModuleDict : ModuleDict<Module>
{
    public ModuleDict() { }
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules) : base(modules) { }
}
