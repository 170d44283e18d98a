namespace Ember.Models;

/// <summary>
/// The keys and values each attention layer has already computed, so that decoding one more token costs
/// one position's work instead of the whole prefix again. Per layer, keys and values are
/// [B, H, Length, head size]; a forward pass given the cache attends over them and appends its own.
/// Dispose it (or <see cref="Clear"/> it) when the sequence is done.
/// </summary>
public sealed class KVCache : IDisposable
{
    readonly Tensor?[] keys, values;

    public KVCache(int layers)
    {
        if (layers <= 0) throw new ArgumentException($"KVCache: layers must be positive, got {layers}.");
        keys = new Tensor?[layers];
        values = new Tensor?[layers];
    }

    public int Layers => keys.Length;

    /// <summary>The number of positions cached (those of layer 0; every layer holds the same after a full forward).</summary>
    public int Length => keys[0]?.Shape[2] ?? 0;

    /// <summary>Layer <paramref name="layer"/>'s cached keys and values, or nulls when empty.</summary>
    public (Tensor? Keys, Tensor? Values) this[int layer] => (keys[layer], values[layer]);

    /// <summary>
    /// Appends k and v [B, H, T, hd] to layer <paramref name="layer"/> and returns the whole cached keys and
    /// values [B, H, past + T, hd] (owned by the cache: do not dispose them).
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(int layer, Tensor k, Tensor v)
    {
        if ((uint)layer >= (uint)Layers) throw new ArgumentOutOfRangeException(nameof(layer), $"KVCache: layer {layer} is outside [0, {Layers}).");
        if (k.Rank != 4 || !k.Shape.SequenceEqual(v.Shape))
            throw new ArgumentException($"KVCache: keys {Shapes.Format(k.Shape)} and values {Shapes.Format(v.Shape)} must both be [B, H, T, head size].");
        if (keys[layer] is { } oldK && values[layer] is { } oldV)
        {
            if (oldK.Shape[0] != k.Shape[0] || oldK.Shape[1] != k.Shape[1] || oldK.Shape[3] != k.Shape[3])
                throw new ArgumentException($"KVCache: new keys {Shapes.Format(k.Shape)} do not continue the cached {Shapes.Format(oldK.Shape)} (batch, heads and head size must match).");
            // The cache is not part of any graph being trained: decoding runs without gradients.
            using (Autograd.NoGrad())
            {
                keys[layer] = Tensor.Cat([oldK, k], 2);
                values[layer] = Tensor.Cat([oldV, v], 2);
            }
            oldK.Dispose(); oldV.Dispose();
        }
        else
            using (Autograd.NoGrad())
            {
                keys[layer] = k.Clone();
                values[layer] = v.Clone();
            }
        return (keys[layer]!, values[layer]!);
    }

    /// <summary>Empties every layer.</summary>
    public void Clear()
    {
        for (int i = 0; i < Layers; i++)
        {
            keys[i]?.Dispose(); values[i]?.Dispose();
            keys[i] = values[i] = null;
        }
    }

    public void Dispose() => Clear();
}
