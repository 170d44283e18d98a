using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>An activation applied to C as the product is stored.</summary>
internal enum GemmActivation { None, Relu }

/// <summary>
/// What happens to each finished tile of C while it is still in L1: a bias per row (convolution
/// channels) and/or per column (linear-layer features), then an activation. This replaces the separate
/// passes over the whole output that adding a bias and applying ReLU would otherwise cost.
/// </summary>
internal readonly unsafe struct GemmEpilogue<T>(T* rowBias, T* columnBias, GemmActivation activation)
    where T : unmanaged, INumber<T>
{
    readonly T* rowBias = rowBias, columnBias = columnBias;
    readonly GemmActivation activation = activation;

    public bool IsIdentity => rowBias == null && columnBias == null && activation == GemmActivation.None;

    /// <summary>The same epilogue for the sub-matrix of C that starts at (row, column).</summary>
    public GemmEpilogue<T> At(int row, int column) =>
        new(rowBias == null ? null : rowBias + row, columnBias == null ? null : columnBias + column, activation);

    /// <summary>C[r, j] = act(C[r, j] + rowBias[r] + columnBias[j]) over a rows × cols block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Apply(T* c, nint ldc, int rows, int cols)
    {
        if (IsIdentity) return;
        int width = Vector<T>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? cols - cols % width : 0;
        bool relu = activation == GemmActivation.Relu;
        for (int r = 0; r < rows; r++, c += ldc)
        {
            T shift = rowBias == null ? T.Zero : rowBias[r];
            var vshift = new Vector<T>(shift);
            int j = 0;
            for (; j < vectorEnd; j += width)
            {
                var x = Vector.Load(c + j) + vshift;
                if (columnBias != null) x += Vector.Load(columnBias + j);
                if (relu) x = Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), Vector<T>.Zero, x);
                Vector.Store(x, c + j);
            }
            for (; j < cols; j++)
            {
                T x = c[j] + shift;
                if (columnBias != null) x += columnBias[j];
                if (relu && x < T.Zero) x = T.Zero;
                c[j] = x;
            }
        }
    }
}
