using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

public partial class Tensor
{
    /// <summary>A tensor holding a copy of <paramref name="data"/> in the given shape (row-major); no shape means 1-d.</summary>
    public static Tensor FromArray<T>(T[] data, params int[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        if (shape.Length == 0) shape = [data.Length];
        long n = Shapes.CheckedCount(shape);
        if (n != data.Length)
            throw new ArgumentException($"FromArray: {data.Length} values cannot fill shape {Shapes.Format(shape)} ({n} elements).");
        var t = Allocate((int[])shape.Clone(), DTypes.Of<T>());
        data.AsSpan().CopyTo(t.Span<T>());
        return t;
    }

    /// <summary>A 0-d Float32 tensor.</summary>
    public static Tensor Scalar(float value) => Full([], value, DType.Float32);
    /// <summary>A 0-d Float64 tensor.</summary>
    public static Tensor Scalar(double value) => Full([], value, DType.Float64);
    /// <summary>A 0-d Int64 tensor (like torch.tensor(5)).</summary>
    public static Tensor Scalar(long value) => Full([], value, DType.Int64);
    /// <summary>A 0-d Bool tensor.</summary>
    public static Tensor Scalar(bool value) => Full([], value ? 1 : 0, DType.Bool);
    /// <summary>A 0-d tensor of the given dtype.</summary>
    public static Tensor Scalar(double value, DType dtype) => Full([], value, dtype);

    public static Tensor Empty(params int[] shape) => Allocate((int[])shape.Clone(), DType.Float32);
    public static Tensor Empty(int[] shape, DType dtype) => Allocate((int[])shape.Clone(), dtype);
    public static Tensor Zeros(params int[] shape) => Full(shape, 0, DType.Float32);
    public static Tensor Zeros(int[] shape, DType dtype) => Full(shape, 0, dtype);
    public static Tensor Ones(params int[] shape) => Full(shape, 1, DType.Float32);
    public static Tensor Ones(int[] shape, DType dtype) => Full(shape, 1, dtype);
    public static Tensor Full(int[] shape, float value) => Full(shape, value, DType.Float32);

    public static Tensor Full(int[] shape, double value, DType dtype)
    {
        var t = Allocate((int[])shape.Clone(), dtype);
        t.FillRaw(value);
        return t;
    }

    public static Tensor ZerosLike(Tensor t) => Full(t.shape, 0, t.DType);
    public static Tensor OnesLike(Tensor t) => Full(t.shape, 1, t.DType);
    public static Tensor FullLike(Tensor t, double value) => Full(t.shape, value, t.DType);
    public static Tensor EmptyLike(Tensor t) => Allocate((int[])t.shape.Clone(), t.DType);
    public static Tensor RandLike(Tensor t, Generator? generator = null) => Rand(t.shape, generator).To(t.DType);
    public static Tensor RandnLike(Tensor t, Generator? generator = null) => Randn(t.shape, generator).To(t.DType);

    /// <summary>Values from start (inclusive) to end (exclusive) in steps, like torch.arange (Float32).</summary>
    public static Tensor Arange(float start, float end, float step = 1)
    {
        if (step == 0 || (end - start) / step < 0)
            throw new ArgumentException($"Arange: cannot go from {start} to {end} in steps of {step}.");
        int n = (int)Math.Ceiling((end - (double)start) / step);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(start + (double)i * step);
        return FromArray(values, n);
    }

    /// <summary>Integers 0..end-1 as Int64, like torch.arange(end).</summary>
    public static Tensor Arange(long end)
    {
        var values = new long[end];
        for (long i = 0; i < end; i++) values[i] = i;
        return FromArray(values, checked((int)end));
    }

    /// <summary><paramref name="steps"/> evenly spaced values from start to end inclusive.</summary>
    public static Tensor Linspace(float start, float end, int steps)
    {
        if (steps < 0) throw new ArgumentException($"Linspace: steps must be non-negative, got {steps}.");
        var v = new float[steps];
        double step = steps > 1 ? ((double)end - start) / (steps - 1) : 0;
        // Like PyTorch, fill the second half from the end so the last value is exactly `end`.
        for (int i = 0; i < steps; i++) v[i] = steps == 1 || i < steps / 2 ? (float)(start + step * i) : (float)(end - step * (steps - 1 - i));
        return FromArray(v, steps);
    }

    /// <summary>A 2-d tensor with ones on the diagonal.</summary>
    public static Tensor Eye(int n, int? m = null)
    {
        int cols = m ?? n;
        var v = new float[(long)n * cols];
        for (int i = 0; i < Math.Min(n, cols); i++) v[(long)i * cols + i] = 1;
        return FromArray(v, n, cols);
    }

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(int[] shape, Generator? generator = null, bool requiresGrad = false)
    {
        var g = generator ?? Generator.Default;
        var t = Allocate((int[])shape.Clone(), DType.Float32);
        var s = t.Span<float>();
        lock (g) for (int i = 0; i < s.Length; i++) s[i] = g.NextFloat();
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Standard normal samples.</summary>
    public static Tensor Randn(int[] shape, Generator? generator = null, bool requiresGrad = false)
    {
        var g = generator ?? Generator.Default;
        var t = Allocate((int[])shape.Clone(), DType.Float32);
        var s = t.Span<float>();
        lock (g) for (int i = 0; i < s.Length; i++) s[i] = (float)g.NextNormal();
        t.RequiresGrad = requiresGrad;
        return t;
    }

    /// <summary>Uniform Int64 integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, int[] shape, Generator? generator = null)
    {
        if (high <= low) throw new ArgumentException($"RandInt: high ({high}) must be greater than low ({low}).");
        var g = generator ?? Generator.Default;
        var t = Allocate((int[])shape.Clone(), DType.Int64);
        var s = t.Span<long>();
        lock (g) for (int i = 0; i < s.Length; i++) s[i] = g.NextInt64(low, high);
        return t;
    }

    /// <summary>Samples 1 with probability p (elementwise), else 0, in p's dtype.</summary>
    public static Tensor Bernoulli(Tensor p, Generator? generator = null)
    {
        var g = generator ?? Generator.Default;
        using var probs = p.To(DType.Float64).Contiguous();
        var ps = probs.Span<double>();
        var result = new double[ps.Length];
        lock (g)
            for (int i = 0; i < ps.Length; i++)
            {
                if (ps[i] is < 0 or > 1 || double.IsNaN(ps[i]))
                    throw new ArgumentException($"Bernoulli: probabilities must lie in [0, 1], found {ps[i]}.");
                result[i] = g.NextDouble() < ps[i] ? 1 : 0;
            }
        using var r = FromArray(result, p.shape);
        return r.To(p.DType.ToFloating());
    }

    /// <summary>Fills every element (through any view) with <paramref name="value"/>, converted to the dtype.</summary>
    internal void FillRaw(double value)
    {
        var k = new FillKernel { Target = this, Value = value };
        Dispatch.Numeric(DType, ref k);
    }

    unsafe struct FillKernel : INumericKernel
    {
        public Tensor Target; public double Value;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T v = Target.DType == DType.Bool ? (Value != 0 ? T.One : T.Zero) : T.CreateTruncating(Value);
            if (Target.IsContiguous) { Target.Span<T>().Fill(v); return; }
            using var scalar = Full([], Value, Target.DType);
            StridedCopy.Copy(scalar, Target);
        }
    }
}
