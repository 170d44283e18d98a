using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Ember;

/// <summary>
/// An n-dimensional strided view of a <see cref="Storage"/>: shape, element strides and offset.
/// Views share storage; the last Dispose (or the GC, if nobody disposes) returns the buffer to the pool.
/// </summary>
[DebuggerDisplay("{DebuggerSummary,nq}")]
public partial class Tensor : IDisposable
{
    internal readonly Storage storage;
    internal readonly int[] shape;
    internal readonly long[] strides;
    internal readonly long offset;
    int disposed;

    internal Tensor(Storage storage, DType dtype, int[] shape, long[] strides, long offset)
    {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
        DType = dtype;
        storage.AddRef();
    }

    /// <summary>A new tensor sharing <paramref name="source"/>'s storage and layout (used by Parameter).</summary>
    protected Tensor(Tensor source) : this(source.Live("Parameter").storage, source.DType, source.shape, source.strides, source.offset) { }

    /// <summary>A fresh, uninitialised, contiguous tensor.</summary>
    internal static Tensor Allocate(int[] shape, DType dtype)
    {
        long n = Shapes.CheckedCount(shape);
        var storage = new Storage(n * dtype.SizeOf());
        return new Tensor(storage, dtype, shape, Shapes.ContiguousStrides(shape), 0);
    }

    // ---- facts ----
    public int[] Shape => (int[])shape.Clone();
    public int Rank => shape.Length;
    public long NumElements => Shapes.Count(shape);
    public DType DType { get; }
    /// <summary>Element strides, PyTorch's <c>tensor.stride()</c>.</summary>
    public long[] Strides => (long[])strides.Clone();
    public long StorageOffset => offset;
    public int Size(int dim) => shape[Shapes.NormalizeDim(dim, Rank, "size")];
    public bool IsContiguous => Shapes.IsContiguous(shape, strides);
    public bool IsDisposed => disposed != 0;
    internal int ElementSize => DType.SizeOf();

    // ---- raw access for kernels ----
    internal unsafe void* DataPointer => (byte*)storage.Pointer + offset * DType.SizeOf();

    /// <summary>The elements as a span; only for contiguous tensors.</summary>
    internal unsafe Span<T> Span<T>() where T : unmanaged
    {
        Debug.Assert(IsContiguous && sizeof(T) == ElementSize);
        return new Span<T>(DataPointer, checked((int)NumElements));
    }

    internal Tensor Live(string op)
    {
        if (disposed != 0 || storage.IsReleased)
            throw new ObjectDisposedException(nameof(Tensor), $"{op}: this tensor of shape {Shapes.Format(shape)} was disposed and can no longer be used.");
        return this;
    }

    /// <summary>Marks the data as changed in place, so autograd can detect stale saved tensors.</summary>
    internal void BumpVersion() => Interlocked.Increment(ref storage.Version);
    internal int Version => storage.Version;

    // ---- data out ----
    /// <summary>A row-major copy of the elements (also for views).</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        Live("ToArray");
        CheckElementType<T>("ToArray");
        using var c = Contiguous();
        return c.Span<T>().ToArray();
    }

    /// <summary>The value of a one-element tensor.</summary>
    public T Item<T>() where T : unmanaged
    {
        Live("Item");
        if (NumElements != 1)
            throw new InvalidOperationException($"Item: the tensor has {NumElements} elements (shape {Shapes.Format(shape)}); only a one-element tensor converts to a value.");
        CheckElementType<T>("Item");
        unsafe { return *(T*)DataPointer; }
    }

    void CheckElementType<T>(string op) where T : unmanaged
    {
        var want = DTypes.Of<T>();
        if (want != DType)
            throw new InvalidOperationException($"{op}<{typeof(T).Name}>: the tensor's dtype is {DType}, not {want}; call .To(DType.{want}) first.");
    }

    /// <summary>Gives the buffer back now (to the pool), instead of when the GC finds it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0) return;
        GradFn = null;
        grad?.Dispose();
        grad = null;
        storage.Release();
        GC.SuppressFinalize(this);
    }

    string DebuggerSummary => IsDisposed ? "Tensor (disposed)" : $"Tensor {Shapes.Format(shape)} {DType.TorchName()}{(RequiresGrad ? " requires_grad" : "")}";
}
