using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>exp, log, sqrt, trigonometry, abs: SIMD forward kernels and their backward rules.</summary>
public partial class Tensor
{
    readonly struct ExpOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Exp(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Exp(x, y);
    }
    readonly struct LogOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Log(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Log(x, y);
    }
    readonly struct Log1pOp : IUnaryOp
    {
        // log1p(x) = log(u) * x / (u - 1) with u = 1 + x keeps full precision for tiny x (Goldberg's trick).
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T u = T.One + x;
            return u == T.One ? x : T.Log(u) * x / (u - T.One);
        }
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            for (int i = 0; i < y.Length; i++) y[i] = Scalar(x[i]);
        }
    }
    readonly struct SqrtOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sqrt(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sqrt(x, y);
    }
    readonly struct RsqrtOp : IVectorUnary
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.One / T.Sqrt(x);
        public Vector128<T> V128<T>(Vector128<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector128<T>.One / Vector128.Sqrt(x);
        public Vector256<T> V256<T>(Vector256<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector256<T>.One / Vector256.Sqrt(x);
        public Vector512<T> V512<T>(Vector512<T> x) where T : unmanaged, IFloatingPointIeee754<T> => Vector512<T>.One / Vector512.Sqrt(x);
    }
    readonly struct SinOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Sin(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Sin(x, y);
    }
    readonly struct CosOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Cos(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Cos(x, y);
    }
    readonly struct AbsOp : IUnaryOp
    {
        public T Scalar<T>(T x) where T : unmanaged, IFloatingPointIeee754<T> => T.Abs(x);
        public void Span<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> => TensorPrimitives.Abs(x, y);
    }

    public Tensor Exp()
    {
        var y = Elementwise.Map(this, new ExpOp(), "Exp");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Exp", new Saved(y, "Exp"), s => s.Alias()), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Exp", this, y);
        return y;
    }

    public Tensor Log()
    {
        var y = Elementwise.Map(this, new LogOp(), "Log");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Log", new Saved(this, "Log"), x => 1.0 / x), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Log", this, y);
        return y;
    }

    public Tensor Log1p()
    {
        var y = Elementwise.Map(this, new Log1pOp(), "Log1p");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Log1p", new Saved(this, "Log1p"), x => 1.0 / (x + 1.0)), this);
        return y;
    }

    public Tensor Sqrt()
    {
        var y = Elementwise.Map(this, new SqrtOp(), "Sqrt");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Sqrt", new Saved(y, "Sqrt"), s => 0.5 / s), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Sqrt", this, y);
        return y;
    }

    public Tensor Rsqrt()
    {
        var y = Elementwise.Map(this, new VectorUnary<RsqrtOp>(new RsqrtOp()), "Rsqrt");
        if (GradMode.ShouldRecord(this))
            GradMode.Record(y, new GradTimes("Rsqrt", new Saved(y, "Rsqrt"), r => { using var r3 = r * r * r; return r3 * -0.5; }), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.ExportRsqrt(onnx, this, y);
        return y;
    }

    public Tensor Sin()
    {
        var y = Elementwise.Map(this, new SinOp(), "Sin");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Sin", new Saved(this, "Sin"), x => x.Cos()), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Sin", this, y);
        return y;
    }

    public Tensor Cos()
    {
        var y = Elementwise.Map(this, new CosOp(), "Cos");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Cos", new Saved(this, "Cos"), x => { using var s = x.Sin(); return -s; }), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Cos", this, y);
        return y;
    }

    /// <summary>|x|; for integer tensors the result stays integral.</summary>
    public Tensor Abs()
    {
        if (!DType.IsFloatingPoint())
        {
            using var neg = Lt(0);
            using var minus = DType == DType.Bool ? Alias() : Neg();
            return DType == DType.Bool ? Clone() : Where(neg, minus, this);
        }
        var y = Elementwise.Map(this, new AbsOp(), "Abs");
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new GradTimes("Abs", new Saved(this, "Abs"), x => x.Sign()), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ElementwiseOps.Export(onnx, "Abs", this, y);
        return y;
    }

    /// <summary>-1, 0 or 1 by the sign of each element; NaN stays NaN, as in PyTorch. Not differentiable (its gradient is 0).</summary>
    public Tensor Sign()
    {
        using (GradMode.Disable())
        {
            using var pos = Gt(0);
            using var neg = Lt(0);
            using var p = pos.To(DType);
            using var n = neg.To(DType);
            var sign = p - n;
            if (!DType.IsFloatingPoint()) return sign;
            using (sign)
            using (var nan = Ne(this)) // only NaN differs from itself
                return Where(nan, this, sign);
        }
    }

    /// <summary>
    /// Backward of y = f(x) as g · f'(saved), where f' is computed from the saved tensor (the input
    /// or the output, whichever the derivative is cheaper in).
    /// </summary>
    sealed class GradTimes(string op, Saved saved, Func<Tensor, Tensor> derivative) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g)
        {
            using var d = derivative(saved.Value);
            return [g * d];
        }
        protected override void ReleaseSaved() => saved.Release();
    }
}
