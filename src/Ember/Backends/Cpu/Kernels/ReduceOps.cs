using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>Product over the reduced dims; an empty product is 1.</summary>
internal readonly struct ProdReduce : IReduceOp
{
    public T Identity<T>() where T : unmanaged, INumber<T> => T.One;
    public T Row<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Product(row);
    public void Accumulate<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Multiply(acc, row, acc);
}

/// <summary>
/// Maximum over the reduced dims. NaN wins, as in torch.amax (TensorPrimitives.Max propagates it).
/// The identity, -inf or the type's minimum, only fills reductions over no elements, which the
/// public ops reject and internal callers (LogSumExp) rely on.
/// </summary>
internal readonly struct MaxReduce : IReduceOp
{
    public T Identity<T>() where T : unmanaged, INumber<T> => T.CreateSaturating(double.NegativeInfinity);
    public T Row<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Max(row);
    public void Accumulate<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Max(acc, row, acc);
}

/// <summary>Minimum over the reduced dims; NaN wins, as in torch.amin.</summary>
internal readonly struct MinReduce : IReduceOp
{
    public T Identity<T>() where T : unmanaged, INumber<T> => T.CreateSaturating(double.PositiveInfinity);
    public T Row<T>(ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Min(row);
    public void Accumulate<T>(Span<T> acc, ReadOnlySpan<T> row) where T : unmanaged, INumber<T> => TensorPrimitives.Min(acc, row, acc);
}
