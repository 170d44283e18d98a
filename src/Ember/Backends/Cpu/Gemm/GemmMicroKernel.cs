using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>How many rows a register tile covers and how much of L2 its A block may fill, per instruction set.</summary>
internal interface IGemmTiling
{
    /// <summary>Rows of C per tile; the tile is two vectors wide, so 2·Rows accumulators.</summary>
    static abstract int Rows { get; }

    /// <summary>Bytes of packed A (MC×KC) kept in L2 while B strips stream past.</summary>
    static abstract int ABlockBytes { get; }
}

/// <summary>
/// AVX-512: 12 rows × 2 zmm = 24 accumulators (of 32 registers). A depth step is 2 loads of B and 24
/// multiply-adds, so the loop's own instructions are spread over more of them than with 8 rows.
/// </summary>
internal readonly struct Avx512Tiling : IGemmTiling
{
    public static int Rows => 12;
    public static int ABlockBytes => 384 << 10;   // of a 2 MiB L2
}

/// <summary>AVX2+FMA: 6 rows × 2 ymm = 12 accumulators, + 2 B vectors + 1 broadcast = all 16 registers.</summary>
internal readonly struct Avx2Tiling : IGemmTiling
{
    public static int Rows => 6;
    public static int ABlockBytes => 144 << 10;   // of a 256 KiB+ L2
}

/// <summary>128-bit vectors (SSE without FMA, Arm, anything else): 4 rows × 2 vectors.</summary>
internal readonly struct PortableTiling : IGemmTiling
{
    public static int Rows => 4;
    public static int ABlockBytes => 128 << 10;
}

/// <summary>
/// The register-tiled micro-kernel for every element type and vector width: a Rows × (2 vectors) tile
/// of C held in registers while packed A values are broadcast one row at a time against two B vectors.
/// Rows and the vector type are JIT-time constants, so each instantiation compiles to straight-line
/// code with no unused accumulators (the row groups past Rows fold away).
/// </summary>
internal readonly unsafe struct GemmMicroKernel<T, TV, TOps, TTiling> : IGemmKernel<T>
    where T : unmanaged, INumber<T>
    where TV : struct
    where TOps : struct, IVectorOps<TV, T>
    where TTiling : struct, IGemmTiling
{
    public static int MR => TTiling.Rows;
    public static int NR => 2 * TOps.Count;
    public static int KC => 256;   // KC×NR B panel: 32 KiB on AVX-512, 16 KiB on AVX2 (half an L1)
    public static int MC => TTiling.ABlockBytes / (KC * Unsafe.SizeOf<T>()) / MR * MR;
    public static int NC => (16 << 10) / Unsafe.SizeOf<T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(int kc, T* a, nint aRow, nint aDepth, T* b, T* c, nint ldc, T alpha, T beta, T* nextC) =>
        Tile<PackedStrip, AllRows>(kc, a, aRow, aDepth, b, NR, null, c, ldc, alpha, beta, nextC);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TilePackingB(int kc, T* a, nint aRow, nint aDepth, T* bSource, nint ldb, T* packedB, T* c, nint ldc, T alpha, T beta, T* nextC) =>
        Tile<SourceRows, AllRows>(kc, a, aRow, aDepth, bSource, ldb, packedB, c, ldc, alpha, beta, nextC);

    /// <summary>
    /// The first <paramref name="rows"/> rows (or a few more) of <see cref="Tile"/> with alpha 1 and
    /// beta 0, for a last panel of fewer than MR rows: with 12-row tiles, a panel of up to 4 or 8 rows
    /// runs a 4- or 8-row instantiation instead of multiplying rows of padding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeTile(int rows, int kc, T* a, nint aRow, nint aDepth, T* b, T* c, nint ldc)
    {
        if (MR > 8 && rows <= 4) Tile<PackedStrip, FourRows>(kc, a, aRow, aDepth, b, NR, null, c, ldc, T.One, T.Zero, null);
        else if (MR > 8 && rows <= 8) Tile<PackedStrip, EightRows>(kc, a, aRow, aDepth, b, NR, null, c, ldc, T.One, T.Zero, null);
        else Tile<PackedStrip, AllRows>(kc, a, aRow, aDepth, b, NR, null, c, ldc, T.One, T.Zero, null);
    }

    /// <summary>The instantiation for A's layout: a packed panel (row stride 1, depth stride MR) or rows in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Tile<TRows, TCount>(int kc, T* a, nint aRow, nint aDepth, T* b, nint bStride, T* packedB, T* c, nint ldc, T alpha, T beta, T* nextC)
        where TRows : struct, IBRows where TCount : struct, IRowCount
    {
        if (aRow == 1 && aDepth == MR) Tile<TRows, PackedPanel, TCount>(kc, a, aRow, aDepth, b, bStride, packedB, c, ldc, alpha, beta, nextC);
        else Tile<TRows, RowsInPlace, TCount>(kc, a, aRow, aDepth, b, bStride, packedB, c, ldc, alpha, beta, nextC);
    }

    /// <summary>Where the kernel reads B: a packed strip, or the rows of B itself, which it then also packs.</summary>
    interface IBRows { static abstract bool FromSource { get; } }
    readonly struct PackedStrip : IBRows { public static bool FromSource => false; }
    readonly struct SourceRows : IBRows { public static bool FromSource => true; }

    /// <summary>
    /// Where the kernel reads A: a packed panel, whose strides are constants, so every A value is one
    /// base register plus a fixed offset and no register holds a stride; or MR rows of A in place.
    /// </summary>
    interface IAPanel { static abstract bool Packed { get; } }
    readonly struct PackedPanel : IAPanel { public static bool Packed => true; }
    readonly struct RowsInPlace : IAPanel { public static bool Packed => false; }

    /// <summary>How many rows of the tile an instantiation computes: all MR, or only the first 4 or 8.</summary>
    interface IRowCount { static abstract int Rows { get; } }
    readonly struct AllRows : IRowCount { public static int Rows => MR; }
    readonly struct EightRows : IRowCount { public static int Rows => 8; }
    readonly struct FourRows : IRowCount { public static int Rows => 4; }

    /// <summary>Row p of the B strip is at b + p·bStride; from the source rows, each is also stored at packedB + p·NR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Tile<TRows, TA, TCount>(int kc, T* a, nint aRow, nint aDepth, T* b, nint bStride, T* packedB, T* c, nint ldc, T alpha, T beta, T* nextC)
        where TRows : struct, IBRows where TA : struct, IAPanel where TCount : struct, IRowCount
    {
        TV c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TV c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        TV c40 = TOps.Zero, c41 = TOps.Zero, c50 = TOps.Zero, c51 = TOps.Zero;
        TV c60 = TOps.Zero, c61 = TOps.Zero, c70 = TOps.Zero, c71 = TOps.Zero;
        TV c80 = TOps.Zero, c81 = TOps.Zero, c90 = TOps.Zero, c91 = TOps.Zero;
        TV ca0 = TOps.Zero, ca1 = TOps.Zero, cb0 = TOps.Zero, cb1 = TOps.Zero;
        int w = TOps.Count, mr = MR, rows = TCount.Rows;
        // The strides a packed panel and strip always have, restated so the JIT treats them as constants.
        if (TA.Packed) { aRow = 1; aDepth = mr; }
        if (!TRows.FromSource) bStride = NR;
        // Row r of the tile is at a + r·aRow; the odd multiples are kept so every address is one base + index.
        nint r3 = 3 * aRow, r5 = 5 * aRow, r7 = 7 * aRow;
        // Packed A streams from L2 (ask for it a dozen steps early); unpacked rows are sequential
        // streams the hardware prefetchers follow on their own.
        bool prefetchA = Sse.IsSupported && TA.Packed;
        // The next tile's C comes in one line request at a time, spread over the whole loop: asked for all
        // at once, its 2·MR lines (often from memory) would hold the line-fill buffers A and B stream through.
        // Each row is asked for by its first and its last byte (both lines when it spans two), one request
        // before every `chunk` iterations, which reaches all rows within kc steps once kc ≥ 8·MR.
        byte* nextRow = (byte*)nextC;
        nint nextStride = ldc * sizeof(T), rowEnd = NR * sizeof(T) - 1;
        int nextLeft = nextC == null || !Sse.IsSupported ? 0 : 2 * mr;
        int chunk = kc >= 32 * mr ? 8 : kc >= 16 * mr ? 4 : 2;

        // Two steps per iteration halve the loop's own instructions, which compete with the multiply-adds
        // for issue slots: with another busy thread beside it, the unrolled loop measured up to 14% faster.
        // One line of packed A, requested once per iteration, covers both steps' A values. The iterations
        // run in chunks with a C request between them, so the loop itself tests nothing but its end.
        int pairs = kc / 2;
        while (pairs > 0)
        {
            int run = pairs;
            if (nextLeft > 0)
            {
                nextRow = RequestLine(nextRow, nextStride, rowEnd, nextLeft--);
                run = Math.Min(chunk, pairs);
            }
            pairs -= run;
            T* aEnd = a + run * 2 * aDepth;
            do
            {
                Step<TRows, TA, TCount>(a, aRow, r3, r5, r7, b, bStride, packedB, ref c00, ref c01, ref c10, ref c11,
                    ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71,
                    ref c80, ref c81, ref c90, ref c91, ref ca0, ref ca1, ref cb0, ref cb1);
                Step<TRows, TA, TCount>(a + aDepth, aRow, r3, r5, r7, b + bStride, bStride, packedB + 2 * w, ref c00, ref c01, ref c10, ref c11,
                    ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71,
                    ref c80, ref c81, ref c90, ref c91, ref ca0, ref ca1, ref cb0, ref cb1);
                if (prefetchA)
                {
                    Sse.Prefetch0(a + 12 * mr);
                    if (2 * mr * sizeof(T) > CacheLine) Sse.Prefetch0((byte*)(a + 12 * mr) + CacheLine);
                }
                a += 2 * aDepth;
                b += 2 * bStride;
                if (TRows.FromSource) packedB += 4 * w;
            }
            while (a != aEnd);
        }
        if ((kc & 1) != 0)
            Step<TRows, TA, TCount>(a, aRow, r3, r5, r7, b, bStride, packedB, ref c00, ref c01, ref c10, ref c11,
                ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51, ref c60, ref c61, ref c70, ref c71,
                ref c80, ref c81, ref c90, ref c91, ref ca0, ref ca1, ref cb0, ref cb1);
        while (nextLeft > 0) nextRow = RequestLine(nextRow, nextStride, rowEnd, nextLeft--);

        TV va = TOps.Create(alpha), vb = TOps.Create(beta);
        bool read = beta != T.Zero;   // beta == 0: C may hold garbage (even NaN) and is never read
        WriteRow(c, w, va, vb, read, c00, c01);
        WriteRow(c + ldc, w, va, vb, read, c10, c11);
        WriteRow(c + 2 * ldc, w, va, vb, read, c20, c21);
        WriteRow(c + 3 * ldc, w, va, vb, read, c30, c31);
        if (rows > 4)
        {
            WriteRow(c + 4 * ldc, w, va, vb, read, c40, c41);
            WriteRow(c + 5 * ldc, w, va, vb, read, c50, c51);
        }
        if (rows > 6)
        {
            WriteRow(c + 6 * ldc, w, va, vb, read, c60, c61);
            WriteRow(c + 7 * ldc, w, va, vb, read, c70, c71);
        }
        if (rows > 8)
        {
            WriteRow(c + 8 * ldc, w, va, vb, read, c80, c81);
            WriteRow(c + 9 * ldc, w, va, vb, read, c90, c91);
            WriteRow(c + 10 * ldc, w, va, vb, read, ca0, ca1);
            WriteRow(c + 11 * ldc, w, va, vb, read, cb0, cb1);
        }
    }

    const int CacheLine = 64;

    /// <summary>
    /// One depth step: B's row p (at b; from the source rows, also stored at packedB) times A's column p
    /// (row r at a + r·aRow), added into the accumulators.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Step<TRows, TA, TCount>(T* a, nint aRow, nint r3, nint r5, nint r7, T* b, nint bStride, T* packedB,
        ref TV c00, ref TV c01, ref TV c10, ref TV c11, ref TV c20, ref TV c21, ref TV c30, ref TV c31,
        ref TV c40, ref TV c41, ref TV c50, ref TV c51, ref TV c60, ref TV c61, ref TV c70, ref TV c71,
        ref TV c80, ref TV c81, ref TV c90, ref TV c91, ref TV ca0, ref TV ca1, ref TV cb0, ref TV cb1)
        where TRows : struct, IBRows where TA : struct, IAPanel where TCount : struct, IRowCount
    {
        int w = TOps.Count, rows = TCount.Rows;
        TV b0 = TOps.Load(ref *b, 0), b1 = TOps.Load(ref *b, (nuint)w);
        if (TRows.FromSource)
        {
            // B's rows are a row stride apart: ask for the ones a few steps ahead, and keep the packed copy.
            if (Sse.IsSupported) { Sse.Prefetch0(b + SourcePrefetchRows * bStride); Sse.Prefetch0(b + SourcePrefetchRows * bStride + w); }
            TOps.Store(b0, ref *packedB, 0);
            TOps.Store(b1, ref *packedB, (nuint)w);
        }
        Row<TA>(a, 0, b0, b1, ref c00, ref c01);
        Row<TA>(a, aRow, b0, b1, ref c10, ref c11);
        Row<TA>(a, 2 * aRow, b0, b1, ref c20, ref c21);
        Row<TA>(a, r3, b0, b1, ref c30, ref c31);
        if (rows > 4)
        {
            Row<TA>(a, 4 * aRow, b0, b1, ref c40, ref c41);
            Row<TA>(a, r5, b0, b1, ref c50, ref c51);
        }
        if (rows > 6)
        {
            Row<TA>(a, 2 * r3, b0, b1, ref c60, ref c61);
            Row<TA>(a, r7, b0, b1, ref c70, ref c71);
        }
        if (rows > 8)
        {
            Row<TA>(a, 8 * aRow, b0, b1, ref c80, ref c81);
            Row<TA>(a, 9 * aRow, b0, b1, ref c90, ref c91);
            Row<TA>(a, 2 * r5, b0, b1, ref ca0, ref ca1);
            Row<TA>(a, 11 * aRow, b0, b1, ref cb0, ref cb1);
        }
    }

    /// <summary>
    /// c0 += b0·A(r) and c1 += b1·A(r) for the A value at a[i]. From a packed panel each multiply-add
    /// reads it from memory itself (<see cref="IVectorOps{TV, T}.MultiplyAddBroadcast"/>); A in place
    /// needs an index register in the address, where one broadcast shared by both measured faster
    /// (the embedded form ran a 10816×288×64 product 16% slower).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Row<TA>(T* a, nint i, TV b0, TV b1, ref TV c0, ref TV c1) where TA : struct, IAPanel
    {
        if (TA.Packed)
        {
            TOps.MultiplyAddBroadcast(a, i, b0, b1, ref c0, ref c1);
            return;
        }
        TV x = TOps.Create(a[i]);
        c0 = TOps.MultiplyAddEstimate(x, b0, c0);
        c1 = TOps.MultiplyAddEstimate(x, b1, c1);
    }

    /// <summary>
    /// Prefetches a row's first byte when `left` is even, else its last byte, and then returns the next row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static byte* RequestLine(byte* row, nint stride, nint rowEnd, int left)
    {
        int end = left & 1;
        Sse.Prefetch0(row + end * rowEnd);
        return row + end * stride;
    }

    /// <summary>How many rows ahead the packing kernel prefetches unpacked B.</summary>
    const int SourcePrefetchRows = 8;

    /// <summary>C row = alpha·(x0, x1) + beta·C row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteRow(T* c, int w, TV alpha, TV beta, bool read, TV x0, TV x1)
    {
        x0 = TOps.Multiply(alpha, x0);
        x1 = TOps.Multiply(alpha, x1);
        if (read)
        {
            x0 = TOps.MultiplyAddEstimate(beta, TOps.Load(ref *c, 0), x0);
            x1 = TOps.MultiplyAddEstimate(beta, TOps.Load(ref *c, (nuint)w), x1);
        }
        TOps.Store(x0, ref *c, 0);
        TOps.Store(x1, ref *c, (nuint)w);
    }
}
