using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>
/// Fused softmax and log-softmax, forward and backward, over one dim of contiguous tensors seen as
/// [outer, n, inner]. Rows along the last dim (inner == 1, the hot case) take three passes over a row
/// that stays in cache: the max, the sum of exp(x - max), and the normalisation. Other dims are
/// processed as blocks of columns with per-column running values, so no transposed copy is made.
/// </summary>
internal static unsafe class SoftmaxKernel
{
    const int ColumnBlock = 256;

    /// <summary>y = softmax(x) (or log-softmax) along <paramref name="split"/>.</summary>
    public static void Forward(Tensor x, Tensor y, DimSplit split, bool log)
    {
        var k = new Kernel { A = x, B = x, Out = y, Split = split, Log = log, Backward = false };
        Dispatch.Float(y.DType, ref k, log ? "LogSoftmax" : "Softmax");
    }

    /// <summary>
    /// gx from the forward output y and the output gradient g: softmax gives y·(g − Σ g·y),
    /// log-softmax gives g − exp(y)·Σ g.
    /// </summary>
    public static void Backward(Tensor y, Tensor g, Tensor gx, DimSplit split, bool log)
    {
        var k = new Kernel { A = y, B = g, Out = gx, Split = split, Log = log, Backward = true };
        Dispatch.Float(y.DType, ref k, log ? "LogSoftmaxBackward" : "SoftmaxBackward");
    }

    struct Kernel : IFloatKernel
    {
        public Tensor A, B, Out; public DimSplit Split; public bool Log, Backward;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* a = (T*)A.DataPointer, b = (T*)B.DataPointer, o = (T*)Out.DataPointer;
            int n = Split.Size;
            long inner = Split.Inner;
            bool log = Log, backward = Backward;
            if (inner == 1)
            {
                Parallelism.For(Split.Outer, 8L * n, (s, e) =>
                {
                    for (long r = s; r < e; r++)
                    {
                        var ra = new ReadOnlySpan<T>(a + r * n, n);
                        var ro = new Span<T>(o + r * n, n);
                        if (!backward) { if (log) LogSoftmaxRow(ra, ro); else SoftmaxRow(ra, ro); }
                        else if (log) LogSoftmaxBackwardRow(ra, new ReadOnlySpan<T>(b + r * n, n), ro);
                        else SoftmaxBackwardRow(ra, new ReadOnlySpan<T>(b + r * n, n), ro);
                    }
                });
                return;
            }
            long blocks = (inner + ColumnBlock - 1) / ColumnBlock;
            Parallelism.For(Split.Outer * blocks, 8L * n * Math.Min(inner, ColumnBlock), (s, e) =>
            {
                Span<T> acc = stackalloc T[ColumnBlock];
                Span<T> tmp = stackalloc T[ColumnBlock];
                Span<T> max = stackalloc T[ColumnBlock];
                for (long t = s; t < e; t++)
                {
                    long j0 = t % blocks * ColumnBlock, start = t / blocks * n * inner + j0;
                    int w = (int)Math.Min(ColumnBlock, inner - j0);
                    var cols = new Columns<T>(start, inner, n, w);
                    if (!backward) ForwardColumns(cols, a, o, max[..w], acc[..w], tmp[..w], log);
                    else BackwardColumns(cols, a, b, o, acc[..w], tmp[..w], log);
                }
            });
        }
    }

    /// <summary>A block of <c>Width</c> adjacent columns, <c>N</c> rows deep, <c>Stride</c> apart.</summary>
    readonly struct Columns<T>(long start, long stride, int n, int width) where T : unmanaged
    {
        public int N => n;
        public ReadOnlySpan<T> In(T* p, int r) => new(p + start + r * stride, width);
        public Span<T> Out(T* p, int r) => new(p + start + r * stride, width);
    }

    // ---- rows (softmax along the last dim) ----

    static void SoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) return;
        T max = TensorPrimitives.Max(x); // NaN propagates: a row holding NaN becomes all NaN
        T sum = ExpShiftedSum(x, max, y, store: true);
        TensorPrimitives.Multiply(y, T.One / sum, y);
    }

    static void LogSoftmaxRow<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length == 0) return;
        T max = TensorPrimitives.Max(x);
        T logSum = T.Log(ExpShiftedSum(x, max, y, store: false));
        // (x − max) − log Σ, in that order: folding max + log Σ first would round away digits of x − max.
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Subtract(y, logSum, y);
    }

    static void SoftmaxBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length == 0) return;
        T dot = TensorPrimitives.Dot(g, y);
        TensorPrimitives.Subtract(g, dot, gx);
        TensorPrimitives.Multiply(gx, y, gx);
    }

    static void LogSoftmaxBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, Span<T> gx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (y.Length == 0) return;
        T sum = TensorPrimitives.Sum(g);
        TensorPrimitives.Exp(y, gx);
        TensorPrimitives.MultiplyAdd(gx, -sum, g, gx); // g − exp(y)·Σg
    }

    /// <summary>Σ exp(x − shift), also storing each exp into y (which may be x) when <paramref name="store"/>.</summary>
    internal static T ExpShiftedSum<T>(ReadOnlySpan<T> x, T shift, Span<T> y, bool store) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count) return ExpShiftedSum<V512<T>, Vector512<T>, T>(x, shift, y, store);
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count) return ExpShiftedSum<V256<T>, Vector256<T>, T>(x, shift, y, store);
        if (Vector128.IsHardwareAccelerated && n >= Vector128<T>.Count) return ExpShiftedSum<V128<T>, Vector128<T>, T>(x, shift, y, store);
        T sum = T.Zero;
        for (int i = 0; i < n; i++) // rows shorter than a vector
        {
            T e = T.Exp(x[i] - shift);
            if (store) y[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>The vector body of <see cref="ExpShiftedSum{T}(ReadOnlySpan{T}, T, Span{T}, bool)"/> for rows of at least one vector.</summary>
    static T ExpShiftedSum<V, TV, T>(ReadOnlySpan<T> x, T shift, Span<T> y, bool store)
        where V : struct, IVectorOps<TV, T> where TV : struct where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length, w = V.Count, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        var s = V.Create(shift);
        var acc = V.Zero;
        // The tail as one last full vector ending at n, computed before the loop overwrites an in-place
        // row and stored after it; its lanes the loop already summed are masked out.
        int start = n - w;
        var tail = V.Exp(V.Subtract(V.Load(ref xr, (nuint)start), s));
        for (; i <= n - w; i += w)
        {
            var e = V.Exp(V.Subtract(V.Load(ref xr, (nuint)i), s));
            if (store) V.Store(e, ref yr, (nuint)i);
            acc = V.Add(acc, e);
        }
        if (i < n)
        {
            if (store) V.Store(tail, ref yr, (nuint)start);
            var fresh = V.GreaterThanOrEqual(V.CreateSequence(T.Zero, T.One), V.Create(T.CreateTruncating(i - start)));
            acc = V.Add(acc, V.ConditionalSelect(fresh, tail, V.Zero));
        }
        return V.Sum(acc);
    }

    // ---- columns (softmax along any other dim) ----

    static void ForwardColumns<T>(Columns<T> c, T* x, T* y, Span<T> max, Span<T> sum, Span<T> tmp, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (c.N == 0) return;
        c.In(x, 0).CopyTo(max);
        for (int r = 1; r < c.N; r++) TensorPrimitives.Max(max, c.In(x, r), max);
        sum.Clear();
        for (int r = 0; r < c.N; r++)
        {
            var yr = c.Out(y, r);
            TensorPrimitives.Subtract(c.In(x, r), max, yr);
            var e = log ? tmp : yr; // log-softmax keeps x − max in y and needs exp only for the sum
            TensorPrimitives.Exp(yr, e);
            TensorPrimitives.Add(sum, e, sum);
        }
        if (log)
        {
            TensorPrimitives.Log(sum, sum);
            for (int r = 0; r < c.N; r++) { var yr = c.Out(y, r); TensorPrimitives.Subtract(yr, sum, yr); }
        }
        else
        {
            TensorPrimitives.Divide(T.One, sum, sum);
            for (int r = 0; r < c.N; r++) { var yr = c.Out(y, r); TensorPrimitives.Multiply(yr, sum, yr); }
        }
    }

    static void BackwardColumns<T>(Columns<T> c, T* y, T* g, T* gx, Span<T> acc, Span<T> tmp, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        acc.Clear();
        for (int r = 0; r < c.N; r++)
        {
            if (log) TensorPrimitives.Add(acc, c.In(g, r), acc);
            else TensorPrimitives.MultiplyAdd(c.In(g, r), c.In(y, r), acc, acc);
        }
        for (int r = 0; r < c.N; r++)
        {
            var o = c.Out(gx, r);
            if (log)
            {
                TensorPrimitives.Exp(c.In(y, r), tmp);
                TensorPrimitives.Multiply(tmp, acc, tmp);
                TensorPrimitives.Subtract(c.In(g, r), tmp, o);
            }
            else
            {
                TensorPrimitives.Subtract(c.In(g, r), acc, o);
                TensorPrimitives.Multiply(o, c.In(y, r), o);
            }
        }
    }
}
