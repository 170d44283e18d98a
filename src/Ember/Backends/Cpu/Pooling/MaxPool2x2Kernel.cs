using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// Max pooling with a 2×2 kernel, stride 2, no padding and dilation 1 (floor mode: an odd last row
/// or column is dropped), the common CNN case, with argmax indices for training or without them for
/// inference. Each window is reduced in row-major order a, b (top row), c, d (bottom row) without
/// branches, with the same rule as <see cref="MaxPoolKernel"/>: a later value wins when it is greater or NaN, so ties go to the first
/// maximum and the last NaN wins. With AVX2, eight float (four double) windows are reduced at once from
/// two row loads deinterleaved into even and odd columns. Backward clears each row pair while it is
/// in cache and scatters the gradients into it (a window's index always lies in its row pair).
/// </summary>
internal static unsafe class MaxPool2x2Kernel
{
    /// <summary>Whether a window and output size are the 2×2, stride-2, floor-mode case this kernel handles.</summary>
    public static bool Applies(PoolWindow w, PoolPlanes p)
        => w is { KH: 2, KW: 2, SH: 2, SW: 2, PH: 0, PW: 0, DH: 1, DW: 1 } && p.OH == p.H / 2 && p.OW == p.W / 2;

    /// <summary>y = max over each window, and (unless null, as in inference) the indices (Int64, h·W + w in the plane) of the maxima.</summary>
    public static void Forward(Tensor x, Tensor y, Tensor? indices, PoolPlanes p)
    {
        var k = new Fwd { X = x, Y = y, Indices = indices, P = p };
        Dispatch.Float(x.DType, ref k, "MaxPool2d");
    }

    /// <summary>gx = g at each saved index, zero at every other input cell.</summary>
    public static void Backward(Tensor g, Tensor indices, Tensor gx, PoolPlanes p)
    {
        var k = new Bwd { G = g, Indices = indices, GX = gx, P = p };
        Dispatch.Float(gx.DType, ref k, "MaxPool2dBackward");
    }

    struct Fwd : IFloatKernel
    {
        public Tensor X, Y; public Tensor? Indices; public PoolPlanes P;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* x = (T*)X.DataPointer, y = (T*)Y.DataPointer;
            long* ix = Indices is null ? null : (long*)Indices.DataPointer;
            var p = P;
            Parallelism.For(p.Planes, p.InPlane + 2 * p.OutPlane, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                    ForwardPlane(x + plane * p.InPlane, y + plane * p.OutPlane, ix == null ? null : ix + plane * p.OutPlane, p);
            });
        }
    }

    static void ForwardPlane<T>(T* x, T* y, long* ix, PoolPlanes p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int W = p.W, OW = p.OW;
        for (int oh = 0; oh < p.OH; oh++)
        {
            T* r0 = x + (long)(2 * oh) * W, r1 = r0 + W;
            T* yr = y + (long)oh * OW;
            long* ir = ix == null ? null : ix + (long)oh * OW;
            long rowBase = (long)(2 * oh) * W;
            int j = 0;
            if (typeof(T) == typeof(float) && Avx2.IsSupported)
                j = RowFloatAvx2((float*)r0, (float*)r1, (float*)yr, ir, OW, W, rowBase);
            else if (typeof(T) == typeof(double) && Avx2.IsSupported)
                j = RowDoubleAvx2((double*)r0, (double*)r1, (double*)yr, ir, OW, W, rowBase);
            for (; j < OW; j++)
            {
                T m = r0[2 * j];
                long at = 0;
                Step(ref m, ref at, r0[2 * j + 1], 1);
                Step(ref m, ref at, r1[2 * j], W);
                Step(ref m, ref at, r1[2 * j + 1], W + 1);
                yr[j] = m;
                if (ir != null) ir[j] = rowBase + 2 * j + at;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Step<T>(ref T m, ref long at, T v, long offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool take = (v > m) | T.IsNaN(v);
        m = take ? v : m;
        at = take ? offset : at;
    }

    /// <summary>
    /// Whole rows of output columns in vector steps; a ragged end is covered by one more step that
    /// overlaps the previous one (it rewrites the same results), so no branchy scalar tail runs on
    /// real data. Returns the first column left for the scalar loop (only rows narrower than a step).
    /// </summary>
    static int RowFloatAvx2(float* r0, float* r1, float* y, long* ix, int ow, int W, long rowBase)
    {
        if (ow >= 8)
        {
            int j = 0;
            for (; j + 8 <= ow; j += 8) Float8(r0, r1, y, ix, j, W, rowBase);
            if (j < ow) Float8(r0, r1, y, ix, ow - 8, W, rowBase);
            return ow;
        }
        if (ow >= 4)
        {
            Float4(r0, r1, y, ix, 0, W, rowBase);
            if (ow > 4) Float4(r0, r1, y, ix, ow - 4, W, rowBase);
            return ow;
        }
        return 0;
    }

    static int RowDoubleAvx2(double* r0, double* r1, double* y, long* ix, int ow, int W, long rowBase)
    {
        if (ow >= 4)
        {
            int j = 0;
            for (; j + 4 <= ow; j += 4) Double4(r0, r1, y, ix, j, W, rowBase);
            if (j < ow) Double4(r0, r1, y, ix, ow - 4, W, rowBase);
            return ow;
        }
        if (ow >= 2)
        {
            Double2(r0, r1, y, ix, 0, W, rowBase);
            if (ow > 2) Double2(r0, r1, y, ix, ow - 2, W, rowBase);
            return ow;
        }
        return 0;
    }

    /// <summary>Output columns j … j+7: input columns 2j … 2j+15 of both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Float8(float* r0, float* r1, float* y, long* ix, int j, int W, long rowBase)
    {
        // Evens land in the lower half of each permuted load, odds in the upper.
        var deinterleave = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var t0 = Avx2.PermuteVar8x32(Avx.LoadVector256(r0 + 2 * j), deinterleave);
        var t1 = Avx2.PermuteVar8x32(Avx.LoadVector256(r0 + 2 * j + 8), deinterleave);
        var u0 = Avx2.PermuteVar8x32(Avx.LoadVector256(r1 + 2 * j), deinterleave);
        var u1 = Avx2.PermuteVar8x32(Avx.LoadVector256(r1 + 2 * j + 8), deinterleave);
        var m = Vector256.Create(t0.GetLower(), t1.GetLower());
        var k = Vector256<float>.Zero;
        Take(ref m, ref k, Vector256.Create(t0.GetUpper(), t1.GetUpper()), Vector256.Create(1).AsSingle());
        Take(ref m, ref k, Vector256.Create(u0.GetLower(), u1.GetLower()), Vector256.Create(W).AsSingle());
        Take(ref m, ref k, Vector256.Create(u0.GetUpper(), u1.GetUpper()), Vector256.Create(W + 1).AsSingle());
        Avx.Store(y + j, m);
        if (ix == null) return;
        var start = Vector256.Create(rowBase + 2 * j) + Vector256.Create(0L, 2, 4, 6);
        Avx.Store(ix + j, Avx2.ConvertToVector256Int64(k.AsInt32().GetLower()) + start);
        Avx.Store(ix + j + 4, Avx2.ConvertToVector256Int64(k.AsInt32().GetUpper()) + start + Vector256.Create(8L));
    }

    /// <summary>Output columns j … j+3: input columns 2j … 2j+7 of both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Float4(float* r0, float* r1, float* y, long* ix, int j, int W, long rowBase)
    {
        var deinterleave = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
        var t = Avx2.PermuteVar8x32(Avx.LoadVector256(r0 + 2 * j), deinterleave);
        var u = Avx2.PermuteVar8x32(Avx.LoadVector256(r1 + 2 * j), deinterleave);
        var m = t.GetLower();
        var k = Vector128<float>.Zero;
        Take(ref m, ref k, t.GetUpper(), Vector128.Create(1).AsSingle());
        Take(ref m, ref k, u.GetLower(), Vector128.Create(W).AsSingle());
        Take(ref m, ref k, u.GetUpper(), Vector128.Create(W + 1).AsSingle());
        Sse.Store(y + j, m);
        if (ix != null) Avx.Store(ix + j, Avx2.ConvertToVector256Int64(k.AsInt32()) + Vector256.Create(rowBase + 2 * j) + Vector256.Create(0L, 2, 4, 6));
    }

    /// <summary>Output columns j … j+3: input columns 2j … 2j+7 of both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Double4(double* r0, double* r1, double* y, long* ix, int j, int W, long rowBase)
    {
        // UnpackLow/High give windows in the order 0, 2, 1, 3; Permute4x64 restores 0, 1, 2, 3.
        var t0 = Avx.LoadVector256(r0 + 2 * j); var t1 = Avx.LoadVector256(r0 + 2 * j + 4);
        var u0 = Avx.LoadVector256(r1 + 2 * j); var u1 = Avx.LoadVector256(r1 + 2 * j + 4);
        var m = Avx2.Permute4x64(Avx.UnpackLow(t0, t1), 0b11_01_10_00);
        var k = Vector256<double>.Zero;
        Take(ref m, ref k, Avx2.Permute4x64(Avx.UnpackHigh(t0, t1), 0b11_01_10_00), Vector256.Create(1L).AsDouble());
        Take(ref m, ref k, Avx2.Permute4x64(Avx.UnpackLow(u0, u1), 0b11_01_10_00), Vector256.Create((long)W).AsDouble());
        Take(ref m, ref k, Avx2.Permute4x64(Avx.UnpackHigh(u0, u1), 0b11_01_10_00), Vector256.Create((long)W + 1).AsDouble());
        Avx.Store(y + j, m);
        if (ix != null) Avx.Store(ix + j, k.AsInt64() + Vector256.Create(rowBase + 2 * j) + Vector256.Create(0L, 2, 4, 6));
    }

    /// <summary>Output columns j, j+1: input columns 2j … 2j+3 of both rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Double2(double* r0, double* r1, double* y, long* ix, int j, int W, long rowBase)
    {
        // Permute4x64 (0, 2, 1, 3): evens in the lower half, odds in the upper.
        var t = Avx2.Permute4x64(Avx.LoadVector256(r0 + 2 * j), 0b11_01_10_00);
        var u = Avx2.Permute4x64(Avx.LoadVector256(r1 + 2 * j), 0b11_01_10_00);
        var m = t.GetLower();
        var k = Vector128<double>.Zero;
        Take(ref m, ref k, t.GetUpper(), Vector128.Create(1L).AsDouble());
        Take(ref m, ref k, u.GetLower(), Vector128.Create((long)W).AsDouble());
        Take(ref m, ref k, u.GetUpper(), Vector128.Create((long)W + 1).AsDouble());
        Sse2.Store(y + j, m);
        if (ix != null) Sse2.Store(ix + j, k.AsInt64() + Vector128.Create(rowBase + 2 * j) + Vector128.Create(0L, 2));
    }

    /// <summary>Where v is greater than m or NaN: m = v and k = offset (the offset's bits, whatever the lane type).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Take<T>(ref Vector256<T> m, ref Vector256<T> k, Vector256<T> v, Vector256<T> offset)
    {
        var take = Vector256.GreaterThan(v, m) | ~Vector256.Equals(v, v);
        m = Vector256.ConditionalSelect(take, v, m);
        k = Vector256.ConditionalSelect(take, offset, k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Take<T>(ref Vector128<T> m, ref Vector128<T> k, Vector128<T> v, Vector128<T> offset)
    {
        var take = Vector128.GreaterThan(v, m) | ~Vector128.Equals(v, v);
        m = Vector128.ConditionalSelect(take, v, m);
        k = Vector128.ConditionalSelect(take, offset, k);
    }

    struct Bwd : IFloatKernel
    {
        public Tensor G, Indices, GX; public PoolPlanes P;

        public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>
        {
            T* g = (T*)G.DataPointer, gx = (T*)GX.DataPointer;
            long* ix = (long*)Indices.DataPointer;
            var p = P;
            Parallelism.For(p.Planes, p.InPlane + 2 * p.OutPlane, (s, e) =>
            {
                for (long plane = s; plane < e; plane++)
                    BackwardPlane(g + plane * p.OutPlane, ix + plane * p.OutPlane, gx + plane * p.InPlane, p);
            });
        }
    }

    static void BackwardPlane<T>(T* g, long* ix, T* gx, PoolPlanes p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int W = p.W, OW = p.OW;
        for (int oh = 0; oh < p.OH; oh++)
        {
            T* r0 = gx + (long)(2 * oh) * W;
            T* gr = g + (long)oh * OW;
            long* ir = ix + (long)oh * OW;
            long rowBase = (long)(2 * oh) * W;
            // Clear the row pair while it is in cache, then drop each gradient at its index (always inside
            // the pair): no per-cell comparisons, which would be coin-flip branches on real data.
            new Span<T>(r0, 2 * W).Clear();
            for (int j = 0; j < OW; j++) r0[ir[j] - rowBase] = gr[j] + T.Zero; // as 0 + g in the general scatter: −0 becomes +0
        }
        if ((p.H & 1) != 0) new Span<T>(gx + (long)(p.H - 1) * W, W).Clear();
    }
}
