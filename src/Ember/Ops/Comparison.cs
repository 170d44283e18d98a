using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Comparisons and logical ops (→ Bool), Where and MaskedFill.</summary>
public partial class Tensor
{
    readonly struct EqOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a == b; }
    readonly struct NeOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a != b; }
    readonly struct LtOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a < b; }
    readonly struct LeOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a <= b; }
    readonly struct GtOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a > b; }
    readonly struct GeOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a >= b; }
    readonly struct AndOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a != T.Zero && b != T.Zero; }
    readonly struct OrOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => a != T.Zero || b != T.Zero; }
    readonly struct XorOp : ICompareOp { public bool Test<T>(T a, T b) where T : unmanaged, INumber<T> => (a != T.Zero) != (b != T.Zero); }

    Tensor Compare<TOp>(Tensor other, TOp op, string name) where TOp : struct, ICompareOp
    {
        var y = Elementwise.Compare(this, other, op, DTypes.ResultType(this, other), name);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.BinaryOps.ExportCompare(onnx, name, this, other, y);
        return y;
    }

    Tensor Compare<TOp>(double value, TOp op, string name) where TOp : struct, ICompareOp
    {
        using var s = Full([], value, DType.IsFloatingPoint() || value != Math.Floor(value) ? DType.ToFloating() : DType.Int64);
        return Compare(s, op, name);
    }

    public Tensor Eq(Tensor other) => Compare(other, new EqOp(), "Eq");
    public Tensor Ne(Tensor other) => Compare(other, new NeOp(), "Ne");
    public Tensor Lt(Tensor other) => Compare(other, new LtOp(), "Lt");
    public Tensor Le(Tensor other) => Compare(other, new LeOp(), "Le");
    public Tensor Gt(Tensor other) => Compare(other, new GtOp(), "Gt");
    public Tensor Ge(Tensor other) => Compare(other, new GeOp(), "Ge");
    public Tensor Eq(double value) => Compare(value, new EqOp(), "Eq");
    public Tensor Ne(double value) => Compare(value, new NeOp(), "Ne");
    public Tensor Lt(double value) => Compare(value, new LtOp(), "Lt");
    public Tensor Le(double value) => Compare(value, new LeOp(), "Le");
    public Tensor Gt(double value) => Compare(value, new GtOp(), "Gt");
    public Tensor Ge(double value) => Compare(value, new GeOp(), "Ge");

    public Tensor LogicalAnd(Tensor other) => Compare(other, new AndOp(), "LogicalAnd");
    public Tensor LogicalOr(Tensor other) => Compare(other, new OrOp(), "LogicalOr");
    public Tensor LogicalXor(Tensor other) => Compare(other, new XorOp(), "LogicalXor");
    public Tensor LogicalNot() => Compare(0, new EqOp(), "LogicalNot");

    /// <summary>Elementwise a where condition holds, else b (broadcasting all three).</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        condition.Live("Where"); a.Live("Where"); b.Live("Where");
        var shape = Shapes.Broadcast(Shapes.Broadcast(condition.shape, a.shape, "Where"), b.shape, "Where");
        var dtype = DTypes.ResultType(a, b);
        using var c = condition.DType == DType.Bool ? condition.Alias() : condition.Ne(0);
        using var ca = a.InDType(dtype);
        using var cb = b.InDType(dtype);
        var y = Allocate(shape, dtype);
        Elementwise.Where(c, ca, cb, y);
        if (GradMode.ShouldRecord(a, b)) GradMode.Record(y, new WhereBackward(new Saved(c, "Where")), a, b);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.BinaryOps.ExportWhere(onnx, condition, a, b, y);
        return y;
    }

    /// <summary>A copy with <paramref name="value"/> wherever mask (broadcast to this shape) is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value)
    {
        Live("MaskedFill");
        var merged = Shapes.Broadcast(shape, mask.shape, "MaskedFill");
        if (!Shapes.SameShape(merged, shape))
            throw new ArgumentException($"MaskedFill: the mask of shape {Shapes.Format(mask.shape)} does not broadcast to the tensor's shape {Shapes.Format(shape)}.");
        using var fill = Full([], value, DType);
        return Where(mask, fill, this);
    }

    sealed class WhereBackward(Saved condition) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var c = condition.Value;
            using var zero = Full([], 0, g.DType);
            return [NeedsInputGrad(0) ? Where(c, g, zero) : null, NeedsInputGrad(1) ? Where(c, zero, g) : null];
        }
        protected override void ReleaseSaved() => condition.Release();
    }
}
