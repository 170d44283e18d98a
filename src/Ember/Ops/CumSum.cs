using Ember.Backends.Cpu;

namespace Ember;

/// <summary>The cumulative sum along a dim; its gradient is the cumulative sum taken from the end.</summary>
public partial class Tensor
{
    /// <summary>Running sums along <paramref name="dim"/>. Integer and Bool inputs sum in Int64, like PyTorch.</summary>
    public Tensor CumSum(int dim)
    {
        Live("CumSum");
        int d = Shapes.NormalizeDim(dim, Rank, "CumSum");
        var dtype = DType.IsFloatingPoint() ? DType : DType.Int64;
        using var x = ContiguousInDType(dtype);
        var y = Allocate((int[])shape.Clone(), dtype);
        if (y.NumElements > 0) Scan.CumSum(x, y, DimSplit.Of(shape, d), reverse: false);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new CumSumBackward(d), this);
        return y;
    }

    sealed class CumSumBackward(int dim) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            using var gc = g.ContiguousInDType(g.DType);
            var gx = Allocate((int[])g.shape.Clone(), g.DType);
            if (gx.NumElements > 0) Scan.CumSum(gc, gx, DimSplit.Of(g.shape, dim), reverse: true);
            return [gx];
        }
    }
}
