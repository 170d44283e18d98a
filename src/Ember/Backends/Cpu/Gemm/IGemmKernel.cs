namespace Ember.Backends.Cpu;

/// <summary>
/// A register-tiled micro-kernel and the cache blocking that suits it. Implemented by structs so the
/// generic driver is specialised per kernel and MR/NR/KC/MC/NC fold to constants.
/// </summary>
internal unsafe interface IGemmKernel<T> where T : unmanaged
{
    /// <summary>Rows of C one tile covers; A values are broadcast one row at a time.</summary>
    static abstract int MR { get; }

    /// <summary>Columns of C one tile covers; B is loaded as whole vectors.</summary>
    static abstract int NR { get; }

    /// <summary>Depth of one packed panel: a KC×NR slice of B should stay in L1.</summary>
    static abstract int KC { get; }

    /// <summary>Rows of A packed at once: the MC×KC block should stay in L2.</summary>
    static abstract int MC { get; }

    /// <summary>Columns of B packed at once (KC×NC block, lives in L2/L3).</summary>
    static abstract int NC { get; }

    /// <summary>
    /// C[MR×NR] = alpha · Σp A(r, p) · b[p·NR + j] + beta · C, where b is a packed strip and A(r, p) is
    /// a[r·aRow + p·aDepth]: a packed panel (aRow = 1, aDepth = MR) or MR rows of A read in place.
    /// beta == 0 leaves C unread, so it may hold garbage. While it multiplies, the kernel asks for the
    /// lines of the tile at nextC (row stride ldc too; null for none), the one it will be called for next.
    /// </summary>
    static abstract void Tile(int kc, T* a, nint aRow, nint aDepth, T* b, T* c, nint ldc, T alpha, T beta, T* nextC);

    /// <summary>
    /// The first <paramref name="rows"/> (&lt; MR) rows of <see cref="Tile"/> with alpha 1 and beta 0, into
    /// an MR×NR scratch tile at c; the rows after them may be left unwritten or hold partial sums.
    /// </summary>
    static abstract void EdgeTile(int rows, int kc, T* a, nint aRow, nint aDepth, T* b, T* c, nint ldc);

    /// <summary>
    /// <see cref="Tile"/> with B read from its unpacked rows (row p of the NR columns at bSource + p·ldb)
    /// while storing them as the packed strip at packedB: the first tile of a strip packs it, hiding the
    /// copy behind its multiply-adds instead of making a separate pass over B.
    /// </summary>
    static abstract void TilePackingB(int kc, T* a, nint aRow, nint aDepth, T* bSource, nint ldb, T* packedB, T* c, nint ldc, T alpha, T beta, T* nextC);
}
