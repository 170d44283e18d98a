using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>+ − × ÷, power, negation, maximum/minimum: forward kernels and backward rules side by side.</summary>
public partial class Tensor
{
    // ---- kernels ----
    // + − × ÷ run through Ember's SIMD driver rather than TensorPrimitives: for spans above 256 KiB the
    // latter switches to non-temporal stores, which made a 1e5-element add 3× slower when its result is read next.
    readonly struct AddOp : IVectorBinary
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a + b;
        public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a + b;
        public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a + b;
        public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a + b;
    }

    readonly struct SubOp : IVectorBinary
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a - b;
        public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a - b;
        public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a - b;
        public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a - b;
    }

    readonly struct MulOp : IVectorBinary
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a * b;
        public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a * b;
        public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a * b;
        public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a * b;
    }

    readonly struct DivOp : IVectorBinary
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => a / b;
        public Vector128<T> V128<T>(Vector128<T> a, Vector128<T> b) where T : unmanaged, INumber<T> => a / b;
        public Vector256<T> V256<T>(Vector256<T> a, Vector256<T> b) where T : unmanaged, INumber<T> => a / b;
        public Vector512<T> V512<T>(Vector512<T> a, Vector512<T> b) where T : unmanaged, INumber<T> => a / b;
    }

    // Max/Min propagate NaN, like torch.maximum/minimum.
    readonly struct MaxOp : IBinaryOp
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || T.IsNaN(b) ? (T.IsNaN(a) ? a : b) : T.Max(a, b);
        public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Max(a, b, y);
        public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Max(a, b, y);
        public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Max(b, a, y);
    }

    readonly struct MinOp : IBinaryOp
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T> => T.IsNaN(a) || T.IsNaN(b) ? (T.IsNaN(a) ? a : b) : T.Min(a, b);
        public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Min(a, b, y);
        public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Min(a, b, y);
        public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T> => TensorPrimitives.Min(b, a, y);
    }

    readonly struct PowOp : IBinaryOp
    {
        public T Scalar<T>(T a, T b) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) return (T)(object)MathF.Pow((float)(object)a, (float)(object)b);
            if (typeof(T) == typeof(double)) return (T)(object)Math.Pow((double)(object)a, (double)(object)b);
            return IntPow(a, b);
        }

        static T IntPow<T>(T a, T b) where T : INumber<T>
        {
            if (b < T.Zero) return a == T.One ? T.One : a == -T.One ? (T.IsEvenInteger(b) ? T.One : -T.One) : T.Zero;
            T r = T.One;
            for (T i = T.Zero; i < b; i++) r *= a;
            return r;
        }

        public void Span<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) TensorPrimitives.Pow(Cast<T, float>(a), Cast<T, float>(b), Cast<T, float>(y));
            else if (typeof(T) == typeof(double)) TensorPrimitives.Pow(Cast<T, double>(a), Cast<T, double>(b), Cast<T, double>(y));
            else for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b[i]);
        }

        public void SpanScalar<T>(ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, INumber<T>
        {
            if (typeof(T) == typeof(float)) TensorPrimitives.Pow(Cast<T, float>(a), (float)(object)b, Cast<T, float>(y));
            else if (typeof(T) == typeof(double)) TensorPrimitives.Pow(Cast<T, double>(a), (double)(object)b, Cast<T, double>(y));
            else for (int i = 0; i < y.Length; i++) y[i] = Scalar(a[i], b);
        }

        public void ScalarSpan<T>(T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, INumber<T>
        {
            for (int i = 0; i < y.Length; i++) y[i] = Scalar(a, b[i]);
        }
    }

    static ReadOnlySpan<TTo> Cast<TFrom, TTo>(ReadOnlySpan<TFrom> s) where TFrom : struct where TTo : struct => MemoryMarshal.Cast<TFrom, TTo>(s);
    static Span<TTo> Cast<TFrom, TTo>(Span<TFrom> s) where TFrom : struct where TTo : struct => MemoryMarshal.Cast<TFrom, TTo>(s);

    // ---- ops ----
    public Tensor Add(Tensor other)
    {
        var y = Arith(this, other, new VectorBinary<AddOp>(new AddOp()), "Add", trueDivision: false);
        if (GradMode.ShouldRecord(this, other)) GradMode.Record(y, new AddBackward(1), this, other);
        return y;
    }

    public Tensor Sub(Tensor other)
    {
        if (DType == DType.Bool && other.DType == DType.Bool)
            throw new InvalidOperationException("Sub: subtracting two Bool tensors is not supported; use LogicalXor.");
        var y = Arith(this, other, new VectorBinary<SubOp>(new SubOp()), "Sub", trueDivision: false);
        if (GradMode.ShouldRecord(this, other)) GradMode.Record(y, new AddBackward(-1), this, other);
        return y;
    }

    public Tensor Mul(Tensor other)
    {
        var y = Arith(this, other, new VectorBinary<MulOp>(new MulOp()), "Mul", trueDivision: false);
        if (GradMode.ShouldRecord(this, other))
            GradMode.Record(y, new MulBackward(other.RequiresGrad ? new Saved(this, "Mul") : null, RequiresGrad ? new Saved(other, "Mul") : null), this, other);
        return y;
    }

    /// <summary>True division: integer inputs give a floating-point result, like PyTorch.</summary>
    public Tensor Div(Tensor other)
    {
        var y = Arith(this, other, new VectorBinary<DivOp>(new DivOp()), "Div", trueDivision: true);
        if (GradMode.ShouldRecord(this, other))
            GradMode.Record(y, new DivBackward(other.RequiresGrad ? new Saved(this, "Div") : null, new Saved(other, "Div")), this, other);
        return y;
    }

    public Tensor Pow(Tensor exponent)
    {
        var y = Arith(this, exponent, new PowOp(), "Pow", trueDivision: false);
        if (GradMode.ShouldRecord(this, exponent))
            GradMode.Record(y, new PowBackward(new Saved(this, "Pow"), new Saved(exponent, "Pow"), exponent.RequiresGrad ? new Saved(y, "Pow") : null), this, exponent);
        return y;
    }

    public Tensor Pow(double exponent)
    {
        using var e = ScalarLike(exponent, this);
        return Pow(e);
    }

    /// <summary>Elementwise maximum of two tensors (NaN propagates); ties split the gradient.</summary>
    public Tensor Maximum(Tensor other) => MaxMin(other, new MaxOp(), "Maximum", max: true);
    /// <summary>Elementwise minimum of two tensors (NaN propagates); ties split the gradient.</summary>
    public Tensor Minimum(Tensor other) => MaxMin(other, new MinOp(), "Minimum", max: false);

    Tensor MaxMin<TOp>(Tensor other, TOp op, string name, bool max) where TOp : struct, IBinaryOp
    {
        var y = Arith(this, other, op, name, trueDivision: false);
        if (GradMode.ShouldRecord(this, other))
            GradMode.Record(y, new MaxMinBackward(new Saved(this, name), new Saved(other, name), max), this, other);
        return y;
    }

    public Tensor Neg()
    {
        if (DType == DType.Bool) throw new InvalidOperationException("Neg: negating a Bool tensor is not supported; use LogicalNot.");
        using var minusOne = DType.IsFloatingPoint() ? ScalarLike(-1, this) : ScalarInt(-1);
        var y = Arith(this, minusOne, new VectorBinary<MulOp>(new MulOp()), "Neg", trueDivision: false);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new NegBackward(), this);
        return y;
    }

    static Tensor Arith<TOp>(Tensor a, Tensor b, TOp op, string name, bool trueDivision) where TOp : struct, IBinaryOp
    {
        var dtype = DTypes.ResultType(a, b);
        if (trueDivision) dtype = dtype.ToFloating();
        else if (dtype == DType.Bool && op is not VectorBinary<AddOp> and not VectorBinary<MulOp> and not MaxOp and not MinOp)
            dtype = DType.UInt8;
        var y = Elementwise.Binary(a, b, op, dtype, name);
        if (y.DType == DType.Bool) y.ClampBoolInPlace();
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.BinaryOps.Export(onnx, name, a, b, y);
        return y;
    }

    /// <summary>Bool addition means "or": fold any non-zero byte back to 1.</summary>
    void ClampBoolInPlace()
    {
        foreach (ref var v in Span<byte>()) v = v != 0 ? (byte)1 : (byte)0;
    }

    /// <summary>A 0-d tensor for a C# number: float for a fractional value, int64 for an integer, weakly typed like a Python scalar.</summary>
    static Tensor ScalarLike(double value, Tensor peer)
        => Full([], value, peer.DType.IsFloatingPoint() ? peer.DType : DType.Float32);

    static Tensor ScalarInt(long value) => Full([], value, DType.Int64);

    // ---- operators ----
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator -(Tensor a) => a.Neg();

    public static Tensor operator +(Tensor a, double b) { using var s = ScalarLike(b, a); return a.Add(s); }
    public static Tensor operator +(double a, Tensor b) { using var s = ScalarLike(a, b); return s.Add(b); }
    public static Tensor operator -(Tensor a, double b) { using var s = ScalarLike(b, a); return a.Sub(s); }
    public static Tensor operator -(double a, Tensor b) { using var s = ScalarLike(a, b); return s.Sub(b); }
    public static Tensor operator *(Tensor a, double b) { using var s = ScalarLike(b, a); return a.Mul(s); }
    public static Tensor operator *(double a, Tensor b) { using var s = ScalarLike(a, b); return s.Mul(b); }
    public static Tensor operator /(Tensor a, double b) { using var s = ScalarLike(b, a); return a.Div(s); }
    public static Tensor operator /(double a, Tensor b) { using var s = ScalarLike(a, b); return s.Div(b); }
    public static Tensor operator +(Tensor a, float b) => a + (double)b;
    public static Tensor operator +(float a, Tensor b) => (double)a + b;
    public static Tensor operator -(Tensor a, float b) => a - (double)b;
    public static Tensor operator -(float a, Tensor b) => (double)a - b;
    public static Tensor operator *(Tensor a, float b) => a * (double)b;
    public static Tensor operator *(float a, Tensor b) => (double)a * b;
    public static Tensor operator /(Tensor a, float b) => a / (double)b;
    public static Tensor operator /(float a, Tensor b) => (double)a / b;
    // Integer scalars keep integer tensors integral (t + 1 on Int64 stays Int64).
    public static Tensor operator +(Tensor a, long b) { using var s = ScalarInt(b); return a.Add(s); }
    public static Tensor operator +(long a, Tensor b) { using var s = ScalarInt(a); return s.Add(b); }
    public static Tensor operator -(Tensor a, long b) { using var s = ScalarInt(b); return a.Sub(s); }
    public static Tensor operator -(long a, Tensor b) { using var s = ScalarInt(a); return s.Sub(b); }
    public static Tensor operator *(Tensor a, long b) { using var s = ScalarInt(b); return a.Mul(s); }
    public static Tensor operator *(long a, Tensor b) { using var s = ScalarInt(a); return s.Mul(b); }
    public static Tensor operator /(Tensor a, long b) { using var s = ScalarInt(b); return a.Div(s); }
    public static Tensor operator /(long a, Tensor b) { using var s = ScalarInt(a); return s.Div(b); }

    // ---- backward ----
    sealed class AddBackward(int sign) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g, sign > 0 ? g : NeedsInputGrad(1) ? g.Neg() : null];
    }

    sealed class NegBackward : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g.Neg()];
    }

    sealed class MulBackward(Saved? a, Saved? b) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) =>
            [b is null ? null : g * b.Value, a is null ? null : g * a.Value];
        protected override void ReleaseSaved() { a?.Release(); b?.Release(); }
    }

    sealed class DivBackward(Saved? a, Saved b) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var bv = b.Value;
            var ga = NeedsInputGrad(0) ? g / bv : null;
            Tensor? gb = null;
            if (a is not null)
            {
                using var q = g * a.Value;
                using var b2 = bv * bv;
                using var r = q / b2;
                gb = r.Neg();
            }
            return [ga, gb];
        }
        protected override void ReleaseSaved() { a?.Release(); b.Release(); }
    }

    sealed class PowBackward(Saved a, Saved b, Saved? y) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            Tensor? ga = null, gb = null;
            var av = a.Value; var bv = b.Value;
            if (NeedsInputGrad(0))
            {
                // d/da a^b = b * a^(b-1); where b == 0 the gradient is 0 (even at a == 0).
                using var bm1 = bv - 1.0;
                using var p = av.Pow(bm1);
                using var t = p * bv;
                using var zero = bv.Eq(0);
                using var masked = t.MaskedFill(zero, 0);
                ga = g * masked;
            }
            if (y is not null)
            {
                // d/db a^b = a^b * ln a; 0 where a == 0 and b >= 0, like PyTorch.
                using var ln = av.Log();
                using var t = y.Value * ln;
                using var zero = av.Eq(0);
                using var masked = t.MaskedFill(zero, 0);
                gb = g * masked;
            }
            return [ga, gb];
        }
        protected override void ReleaseSaved() { a.Release(); b.Release(); y?.Release(); }
    }

    sealed class MaxMinBackward(Saved a, Saved b, bool max) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var av = a.Value; var bv = b.Value;
            using var aWins = max ? av.Gt(bv) : av.Lt(bv);
            using var tie = av.Eq(bv);
            using var half = g * 0.5;
            using var zeros = ZerosLike(g);
            using var gTie = Where(tie, half, zeros);
            var ga = NeedsInputGrad(0) ? Where(aWins, g, gTie) : null;
            Tensor? gb = null;
            if (NeedsInputGrad(1))
            {
                using var bWins = max ? av.Lt(bv) : av.Gt(bv);
                gb = Where(bWins, g, gTie);
            }
            return [ga, gb];
        }
        protected override void ReleaseSaved() { a.Release(); b.Release(); }
    }
}
