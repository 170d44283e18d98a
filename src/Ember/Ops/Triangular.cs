using System.Numerics;
using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Tril and Triu: keep the lower or upper triangle of the last two dims (batched over the rest) and
/// zero the other elements. Element (i, j) is in the lower triangle when j - i &lt;= diagonal, in the
/// upper one when j - i &gt;= diagonal. The gradient is the same mask applied to the output gradient.
/// </summary>
public partial class Tensor
{
    /// <summary>The lower triangle: elements on and below the given diagonal (0 = main, &gt; 0 above, &lt; 0 below).</summary>
    public Tensor Tril(int diagonal = 0) => Triangle(diagonal, upper: false, "Tril");

    /// <summary>The upper triangle: elements on and above the given diagonal (0 = main, &gt; 0 above, &lt; 0 below).</summary>
    public Tensor Triu(int diagonal = 0) => Triangle(diagonal, upper: true, "Triu");

    Tensor Triangle(int diagonal, bool upper, string op)
    {
        Live(op);
        if (Rank < 2)
            throw new ArgumentException($"{op}: the input must have at least 2 dims (a matrix or a batch of them), got shape {Shapes.Format(shape)}.");
        var y = Allocate((int[])shape.Clone(), DType);
        using (var src = IsContiguous ? Alias() : ContiguousCopy())
        {
            var k = new TriangleKernel { Src = src, Dst = y, Diagonal = diagonal, Upper = upper };
            Dispatch.Numeric(DType, ref k);
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new TriangleBackward(diagonal, upper, op), this);
        return y;
    }

    unsafe struct TriangleKernel : INumericKernel
    {
        public Tensor Src, Dst; public int Diagonal; public bool Upper;
        public void Run<T>() where T : unmanaged, INumber<T>
        {
            T* src = (T*)Src.DataPointer, dst = (T*)Dst.DataPointer;
            int rows = Src.shape[^2], cols = Src.shape[^1];
            long diagonal = Diagonal;
            bool upper = Upper;
            long totalRows = Src.NumElements == 0 ? 0 : Src.NumElements / cols;
            Parallelism.For(totalRows, cols, (s, e) =>
            {
                for (long r = s; r < e; r++)
                {
                    long i = r % rows;
                    // Columns [from, to) are kept; the rest of the row is zero.
                    long from = upper ? Math.Clamp(i + diagonal, 0, cols) : 0;
                    long to = upper ? cols : Math.Clamp(i + diagonal + 1, 0, cols);
                    var row = new Span<T>(dst + r * cols, cols);
                    row.Clear();
                    if (to > from)
                        new ReadOnlySpan<T>(src + r * cols + from, (int)(to - from)).CopyTo(row[(int)from..(int)to]);
                }
            });
        }
    }

    sealed class TriangleBackward(int diagonal, bool upper, string op) : Node
    {
        public override string Name => op + "Backward";
        protected internal override Tensor?[] Backward(Tensor g) => [upper ? g.Triu(diagonal) : g.Tril(diagonal)];
    }
}
