namespace Ember.Backends.Cpu;

/// <summary>The unpacked KC×NC block of op(B) that B strips are packed from, one strip at a time.</summary>
internal readonly unsafe struct GemmBSource<T>(bool trans, T* block, nint ld, int kc) where T : unmanaged
{
    readonly T* block = block;
    readonly nint ld = ld;
    readonly int kc = kc;
    readonly bool trans = trans;

    /// <summary>Packs columns [j0, j0 + cols) of the block as one strip.</summary>
    public void Pack<TKernel>(int j0, int cols, T* dst) where TKernel : struct, IGemmKernel<T> =>
        GemmPacking.PackB<T, TKernel>(trans, StripStart(j0), ld, kc, cols, dst);

    T* StripStart(int j0) => trans ? block + j0 * ld : block + j0;
}
