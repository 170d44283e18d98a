using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// One parameter's optimizer state: its step count and named buffers (PyTorch's "exp_avg",
/// "momentum_buffer", ...), each allocated once, with the parameter's shape and dtype, on first use.
/// </summary>
public sealed class ParamState
{
    readonly Parameter param;
    internal readonly Tensor?[] Buffers;

    internal ParamState(Parameter param, int slots)
    {
        this.param = param;
        Buffers = new Tensor?[slots];
    }

    /// <summary>How many updates this parameter has had (PyTorch's state["step"]).</summary>
    public long Step { get; internal set; }

    /// <summary>Whether the buffer in <paramref name="slot"/> exists yet.</summary>
    internal bool Has(int slot) => Buffers[slot] is not null;

    /// <summary>The buffer in <paramref name="slot"/>, filled with <paramref name="initial"/> when it is first made.</summary>
    internal Span<T> Buffer<T>(int slot, double initial = 0) where T : unmanaged
        => (Buffers[slot] ??= Tensor.Full(param.Shape, initial, param.DType)).Span<T>();

    /// <summary>Replaces the buffer in <paramref name="slot"/> by a copy of <paramref name="value"/> (loading).</summary>
    internal void Set(int slot, Tensor value)
    {
        using var cast = value.ContiguousInDType(param.DType);
        Buffers[slot]?.Dispose();
        Buffers[slot] = cast.Clone();
    }
}
