using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>C = beta·C, the whole product when k == 0 or alpha == 0. beta == 0 writes zeros without reading C.</summary>
internal static unsafe class GemmScale
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleC<T>(int m, int n, T beta, T* c, nint ldc) where T : unmanaged, INumber<T>
    {
        if (beta == T.One) return;
        for (int i = 0; i < m; i++, c += ldc)
        {
            if (beta == T.Zero) new Span<T>(c, n).Clear();
            else for (int j = 0; j < n; j++) c[j] *= beta;
        }
    }
}
