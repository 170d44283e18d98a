using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// The vector operations that width-independent kernels need, as static members of one struct per
/// width (<see cref="V512{T}"/>, <see cref="V256{T}"/>, <see cref="V128{T}"/>). A routine written once
/// as a generic method over <c>TOps</c> is specialised by the JIT for each struct and, with every member
/// inlined, compiles to the same code as a routine written against one Vector type.
/// Members for float only (FMA, rounding, power-of-two scaling) also take double.
/// </summary>
internal interface IVectorOps<TV, T> where TV : struct where T : unmanaged
{
    static abstract bool IsHardwareAccelerated { get; }
    static abstract int Count { get; }
    static abstract TV Zero { get; }
    static abstract TV One { get; }
    static abstract TV Create(T value);
    static abstract TV CreateSequence(T start, T step);
    static abstract TV Load(ref T source, nuint index);
    static abstract void Store(TV value, ref T destination, nuint index);
    static abstract TV Add(TV a, TV b);
    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Divide(TV a, TV b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV FusedMultiplyAdd(TV a, TV b, TV c);
    /// <summary>a·b + c, fused where the hardware has FMA and multiply-then-add where it has not.</summary>
    static abstract TV MultiplyAddEstimate(TV a, TV b, TV c);
    static abstract TV Min(TV a, TV b);
    static abstract TV Max(TV a, TV b);
    static abstract TV MinNative(TV a, TV b);
    static abstract TV MaxNative(TV a, TV b);
    /// <summary>Round to nearest, ties to even.</summary>
    static abstract TV Round(TV x);
    /// <summary>p·2^n for integral n within the exponent range (n is converted with the native conversion).</summary>
    static abstract TV ScaleByPow2(TV p, TV n);
    static abstract TV Equals(TV a, TV b);
    static abstract TV LessThan(TV a, TV b);
    static abstract TV GreaterThan(TV a, TV b);
    static abstract TV GreaterThanOrEqual(TV a, TV b);
    static abstract TV ConditionalSelect(TV mask, TV whenTrue, TV whenFalse);
    static abstract T Sum(TV x);
    /// <summary><see cref="VMath"/>'s exp at this width.</summary>
    static abstract TV Exp(TV x);
    /// <summary>
    /// c0 += b0·x and c1 += b1·x for x = p[i] in every lane, as the GEMM micro-kernel needs per row of A.
    /// Where the hardware can, each multiply-add takes x straight from memory (an embedded broadcast).
    /// </summary>
    static abstract unsafe void MultiplyAddBroadcast(T* p, nint i, TV b0, TV b1, ref TV c0, ref TV c1);
}

/// <summary><see cref="IVectorOps{TV, T}"/> over <see cref="Vector512{T}"/>.</summary>
internal readonly struct V512<T> : IVectorOps<Vector512<T>, T> where T : unmanaged
{
    public static bool IsHardwareAccelerated { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512.IsHardwareAccelerated; }
    public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<T>.Count; }
    public static Vector512<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<T>.Zero; }
    public static Vector512<T> One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector512<T>.One; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Create(T value) => Vector512.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> CreateSequence(T start, T step) => Vector512.CreateSequence(start, step);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Load(ref T source, nuint index) => Vector512.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Add(Vector512<T> a, Vector512<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Subtract(Vector512<T> a, Vector512<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Multiply(Vector512<T> a, Vector512<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Divide(Vector512<T> a, Vector512<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Min(Vector512<T> a, Vector512<T> b) => Vector512.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Max(Vector512<T> a, Vector512<T> b) => Vector512.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MinNative(Vector512<T> a, Vector512<T> b) => Vector512.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> MaxNative(Vector512<T> a, Vector512<T> b) => Vector512.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Equals(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> LessThan(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThan(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> GreaterThanOrEqual(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> ConditionalSelect(Vector512<T> mask, Vector512<T> whenTrue, Vector512<T> whenFalse) => Vector512.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector512<T> x) => Vector512.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<T> Exp(Vector512<T> x) => VMath.Exp(x);

    /// <remarks>
    /// The two broadcasts are spelled differently so the JIT does not merge them into one register:
    /// each then folds into its multiply-add as a {1to16} memory operand, which saves the separate
    /// broadcast instruction per row (a quarter of the kernel loop's instructions).
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void MultiplyAddBroadcast(T* p, nint i, Vector512<T> b0, Vector512<T> b1, ref Vector512<T> c0, ref Vector512<T> c1)
    {
        if (Avx512F.IsSupported && typeof(T) == typeof(float))
        {
            c0 = Avx512F.FusedMultiplyAdd(b0.AsSingle(), Vector512.Create(((float*)p)[i]), c0.AsSingle()).As<float, T>();
            c1 = Avx512F.FusedMultiplyAdd(b1.AsSingle(), Avx512F.BroadcastScalarToVector512(Sse.LoadScalarVector128((float*)p + i)), c1.AsSingle()).As<float, T>();
            return;
        }
        if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            c0 = Avx512F.FusedMultiplyAdd(b0.AsDouble(), Vector512.Create(((double*)p)[i]), c0.AsDouble()).As<double, T>();
            c1 = Avx512F.FusedMultiplyAdd(b1.AsDouble(), Avx512F.BroadcastScalarToVector512(Sse2.LoadScalarVector128((double*)p + i)), c1.AsDouble()).As<double, T>();
            return;
        }
        var x = Vector512.Create(p[i]);
        c0 = MultiplyAddEstimate(x, b0, c0);
        c1 = MultiplyAddEstimate(x, b1, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> MultiplyAddEstimate(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FusedMultiplyAdd(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Round(Vector512<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector512.Round(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Round(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    // 2^n in two factors, 2^(n>>1)·2^(n-(n>>1)), each built in the exponent bits, so n just past the
    // largest exponent and n below the smallest normal one (denormal results) both scale right.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> ScaleByPow2(Vector512<T> p, Vector512<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            var ni = Vector512.ConvertToInt32Native(n.AsSingle());
            var half = ni >> 1;
            return (p.AsSingle() * ((half + Vector512.Create(127)) << 23).AsSingle() * ((ni - half + Vector512.Create(127)) << 23).AsSingle()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            var ni = Vector512.ConvertToInt64Native(n.AsDouble());
            var half = ni >> 1;
            return (p.AsDouble() * ((half + Vector512.Create(1023L)) << 52).AsDouble() * ((ni - half + Vector512.Create(1023L)) << 52).AsDouble()).As<double, T>();
        }
        throw new NotSupportedException();
    }
}

/// <summary><see cref="IVectorOps{TV, T}"/> over <see cref="Vector256{T}"/>.</summary>
internal readonly struct V256<T> : IVectorOps<Vector256<T>, T> where T : unmanaged
{
    public static bool IsHardwareAccelerated { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256.IsHardwareAccelerated; }
    public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<T>.Count; }
    public static Vector256<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<T>.Zero; }
    public static Vector256<T> One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector256<T>.One; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Create(T value) => Vector256.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> CreateSequence(T start, T step) => Vector256.CreateSequence(start, step);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Load(ref T source, nuint index) => Vector256.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Add(Vector256<T> a, Vector256<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Subtract(Vector256<T> a, Vector256<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Multiply(Vector256<T> a, Vector256<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Divide(Vector256<T> a, Vector256<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Min(Vector256<T> a, Vector256<T> b) => Vector256.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Max(Vector256<T> a, Vector256<T> b) => Vector256.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MinNative(Vector256<T> a, Vector256<T> b) => Vector256.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> MaxNative(Vector256<T> a, Vector256<T> b) => Vector256.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Equals(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> LessThan(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThan(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> GreaterThanOrEqual(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> ConditionalSelect(Vector256<T> mask, Vector256<T> whenTrue, Vector256<T> whenFalse) => Vector256.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector256<T> x) => Vector256.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<T> Exp(Vector256<T> x) => VMath.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void MultiplyAddBroadcast(T* p, nint i, Vector256<T> b0, Vector256<T> b1, ref Vector256<T> c0, ref Vector256<T> c1)
    {
        var x = Vector256.Create(p[i]);
        c0 = MultiplyAddEstimate(x, b0, c0);
        c1 = MultiplyAddEstimate(x, b1, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> MultiplyAddEstimate(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> FusedMultiplyAdd(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Round(Vector256<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector256.Round(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector256.Round(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    // 2^n in two factors, 2^(n>>1)·2^(n-(n>>1)), each built in the exponent bits, so n just past the
    // largest exponent and n below the smallest normal one (denormal results) both scale right.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> ScaleByPow2(Vector256<T> p, Vector256<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            var ni = Vector256.ConvertToInt32Native(n.AsSingle());
            var half = ni >> 1;
            return (p.AsSingle() * ((half + Vector256.Create(127)) << 23).AsSingle() * ((ni - half + Vector256.Create(127)) << 23).AsSingle()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            var ni = Vector256.ConvertToInt64Native(n.AsDouble());
            var half = ni >> 1;
            return (p.AsDouble() * ((half + Vector256.Create(1023L)) << 52).AsDouble() * ((ni - half + Vector256.Create(1023L)) << 52).AsDouble()).As<double, T>();
        }
        throw new NotSupportedException();
    }
}

/// <summary><see cref="IVectorOps{TV, T}"/> over <see cref="Vector128{T}"/>.</summary>
internal readonly struct V128<T> : IVectorOps<Vector128<T>, T> where T : unmanaged
{
    public static bool IsHardwareAccelerated { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128.IsHardwareAccelerated; }
    public static int Count { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128<T>.Count; }
    public static Vector128<T> Zero { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128<T>.Zero; }
    public static Vector128<T> One { [MethodImpl(MethodImplOptions.AggressiveInlining)] get => Vector128<T>.One; }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Create(T value) => Vector128.Create(value);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> CreateSequence(T start, T step) => Vector128.CreateSequence(start, step);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Load(ref T source, nuint index) => Vector128.LoadUnsafe(ref source, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<T> value, ref T destination, nuint index) => value.StoreUnsafe(ref destination, index);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Add(Vector128<T> a, Vector128<T> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Subtract(Vector128<T> a, Vector128<T> b) => a - b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Multiply(Vector128<T> a, Vector128<T> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Divide(Vector128<T> a, Vector128<T> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Min(Vector128<T> a, Vector128<T> b) => Vector128.Min(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Max(Vector128<T> a, Vector128<T> b) => Vector128.Max(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> MinNative(Vector128<T> a, Vector128<T> b) => Vector128.MinNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> MaxNative(Vector128<T> a, Vector128<T> b) => Vector128.MaxNative(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Equals(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> LessThan(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThan(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> GreaterThanOrEqual(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(a, b);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> ConditionalSelect(Vector128<T> mask, Vector128<T> whenTrue, Vector128<T> whenFalse) => Vector128.ConditionalSelect(mask, whenTrue, whenFalse);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static T Sum(Vector128<T> x) => Vector128.Sum(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<T> Exp(Vector128<T> x) => VMath.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void MultiplyAddBroadcast(T* p, nint i, Vector128<T> b0, Vector128<T> b1, ref Vector128<T> c0, ref Vector128<T> c1)
    {
        var x = Vector128.Create(p[i]);
        c0 = MultiplyAddEstimate(x, b0, c0);
        c1 = MultiplyAddEstimate(x, b1, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> MultiplyAddEstimate(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector128.MultiplyAddEstimate(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.MultiplyAddEstimate(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> FusedMultiplyAdd(Vector128<T> a, Vector128<T> b, Vector128<T> c)
    {
        if (typeof(T) == typeof(float)) return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Round(Vector128<T> x)
    {
        if (typeof(T) == typeof(float)) return Vector128.Round(x.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector128.Round(x.AsDouble()).As<double, T>();
        throw new NotSupportedException();
    }

    // 2^n in two factors, 2^(n>>1)·2^(n-(n>>1)), each built in the exponent bits, so n just past the
    // largest exponent and n below the smallest normal one (denormal results) both scale right.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> ScaleByPow2(Vector128<T> p, Vector128<T> n)
    {
        if (typeof(T) == typeof(float))
        {
            var ni = Vector128.ConvertToInt32Native(n.AsSingle());
            var half = ni >> 1;
            return (p.AsSingle() * ((half + Vector128.Create(127)) << 23).AsSingle() * ((ni - half + Vector128.Create(127)) << 23).AsSingle()).As<float, T>();
        }
        if (typeof(T) == typeof(double))
        {
            var ni = Vector128.ConvertToInt64Native(n.AsDouble());
            var half = ni >> 1;
            return (p.AsDouble() * ((half + Vector128.Create(1023L)) << 52).AsDouble() * ((ni - half + Vector128.Create(1023L)) << 52).AsDouble()).As<double, T>();
        }
        throw new NotSupportedException();
    }
}
