using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// Software prefetches for the lines the hardware prefetchers miss. C tiles are the main case: a tile's
/// rows are a full row stride apart (often a power of two), so they are neither sequential nor cached,
/// and the kernel would otherwise stall on all of them at its very end.
/// </summary>
internal static unsafe class GemmPrefetch
{
    const int CacheLine = 64;

    /// <summary>Requests the rows×cols tile at c (row stride ldc) ahead of the kernel that updates it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<T>(T* c, nint ldc, int rows, int cols) where T : unmanaged
    {
        if (!Sse.IsSupported) return;
        nint rowBytes = cols * sizeof(T);
        for (int r = 0; r < rows; r++)
        {
            byte* row = (byte*)(c + r * ldc);
            for (nint offset = 0; offset < rowBytes; offset += CacheLine) Sse.Prefetch0(row + offset);
            Sse.Prefetch0(row + rowBytes - 1);
        }
    }
}
