using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>
/// The blocked algorithm (Goto/BLIS loop order): for each NC column block and KC depth block, and each
/// MC row block, pack A and sweep the micro-kernel over MR×NR tiles so a KC×NR strip of packed B stays
/// in L1 while A panels stream from L2. On one thread, row-major B is packed by the first tile of each
/// strip as it multiplies, so packing costs no pass of its own; transposed B, and the blocks several
/// threads share (<see cref="GemmSharedB{T, TKernel}"/>), are packed a whole block at a time.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    /// <summary>C = epilogue(alpha·op(A)·op(B) + beta·C) on the calling thread. Requires m, n, k &gt; 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue)
    {
        var blocking = Blocking.For(m, n, k);
        T* packedB = (T*)GemmWorkspace.Current.PackedB(blocking.PackedBBytes);
        for (int jc = 0; jc < n; jc += blocking.Nc)
        {
            int nc = Math.Min(blocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += blocking.Kc)
            {
                int kc = Math.Min(blocking.Kc, k - pc);
                // Row-major B is packed strip by strip by the first tile that reads it; transposed B
                // needs a transpose, done for the whole block with rows read sequentially.
                if (transB) PackB(transB, b, ldb, pc, jc, kc, 0, nc, packedB);
                var block = new DepthBlock(transA, a, lda, pc, kc, jc, nc, packedB, alpha, pc == 0 ? beta : T.One,
                    c, ldc, pc + kc >= k ? epilogue : default, blocking.Mc, transB ? null : b + pc * ldb + jc, ldb);
                Rows(block, 0, m);
            }
        }
    }

    /// <summary>Elements <see cref="PackWhole"/> writes for a k×n op(B).</summary>
    public static long WholeLength(int k, int n) => (long)k * RoundUp(n, TKernel.NR);

    /// <summary>
    /// Packs all of op(B) (k×n) into dst, block after block in the layout <see cref="Run"/> packs one
    /// block at a time: the KC×NC block at (pc, jc) starts at dst + k·jc + pc·RoundUp(nc, NR). Kc and Nc
    /// depend only on k and n, so the packing serves a product with any number of rows.
    /// </summary>
    public static void PackWhole(bool transB, int k, int n, T* b, nint ldb, T* dst)
    {
        var blocking = Blocking.For(TKernel.MR, n, k);
        for (int jc = 0; jc < n; jc += blocking.Nc)
        {
            int nc = Math.Min(blocking.Nc, n - jc);
            for (int pc = 0; pc < k; pc += blocking.Kc)
                PackB(transB, b, ldb, pc, jc, Math.Min(blocking.Kc, k - pc), 0, nc, dst + WholeBlockOffset(k, jc, pc, nc));
        }
    }

    static nint WholeBlockOffset(int k, int jc, int pc, int nc) => (nint)k * jc + (nint)pc * RoundUp(nc, TKernel.NR);

    /// <summary>
    /// Columns [j0, j1) of C = epilogue(alpha·op(A)·B + beta·C) on the calling thread, with B (k×n)
    /// packed by <see cref="PackWhole"/>; j0 is a multiple of NR. Requires m, k &gt; 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunPacked(bool transA, int m, int n, int j0, int j1, int k, T alpha, T* a, nint lda,
        T* packedWhole, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue)
    {
        var blocking = Blocking.For(m, n, k);
        for (int jc = j0 / blocking.Nc * blocking.Nc; jc < j1; jc += blocking.Nc)
        {
            int nc = Math.Min(blocking.Nc, n - jc);
            int lo = Math.Max(j0, jc), hi = Math.Min(j1, jc + nc);
            for (int pc = 0; pc < k; pc += blocking.Kc)
            {
                int kc = Math.Min(blocking.Kc, k - pc);
                T* strips = packedWhole + WholeBlockOffset(k, jc, pc, nc) + (nint)(lo - jc) * kc;
                var block = new DepthBlock(transA, a, lda, pc, kc, lo, hi - lo, strips, alpha, pc == 0 ? beta : T.One,
                    c, ldc, pc + kc >= k ? epilogue : default, blocking.Mc);
                Rows(block, 0, m);
            }
        }
    }

    /// <summary>Block sizes for one product: depth, rows of A and columns of B packed at once.</summary>
    public readonly record struct Blocking(int Kc, int Mc, int Nc)
    {
        public static Blocking For(int m, int n, int k) =>
            // A depth a little past KC stays one block: a second block would cost a whole extra pass over
            // C for a few k steps. The slack is small, as kernel sweeps slow down as the B strip outgrows
            // KC: by 2–4% at 1.15·KC and by a quarter at 1.33·KC on a 48 KiB L1.
            new(BalancedBlock(k, TKernel.KC + TKernel.KC / 8, 1),
                BalancedBlock(m, TKernel.MC, TKernel.MR),
                BalancedBlock(n, TKernel.NC, TKernel.NR));

        public nuint PackedBBytes => (nuint)(Kc * RoundUp(Nc, TKernel.NR) * sizeof(T));
    }

    /// <summary>
    /// Packs columns [j0, j0 + cols) of the KC×NC block of op(B) at (pc, jc) into its strips of packedB
    /// (j0 a multiple of NR).
    /// </summary>
    public static void PackB(bool transB, T* b, nint ldb, int pc, int jc, int kc, int j0, int cols, T* packedB)
    {
        T* source = transB ? b + (jc + j0) * ldb + pc : b + pc * ldb + jc + j0;
        GemmPacking.PackB<T, TKernel>(transB, source, ldb, kc, cols, packedB + (nint)j0 * kc);
    }

    /// <summary>
    /// One depth block's product of op(A)[:, pc..pc+kc] with a KC×NC block of B, and where it goes. The
    /// block is already packed when unpackedB is null; otherwise its first row block packs it from there.
    /// </summary>
    public readonly struct DepthBlock(bool transA, T* a, nint lda, int pc, int kc, int jc, int nc, T* packedB,
        T alpha, T beta, T* c, nint ldc, GemmEpilogue<T> epilogue, int mcMax, T* unpackedB = null, nint ldb = 0)
    {
        public readonly bool TransA = transA;
        public readonly T* A = a, PackedB = packedB, C = c, UnpackedB = unpackedB;
        public readonly nint Lda = lda, Ldc = ldc, Ldb = ldb;
        public readonly int Pc = pc, Kc = kc, Jc = jc, Nc = nc, McMax = mcMax;
        public readonly T Alpha = alpha, Beta = beta;
        /// <summary>Identity except on the last depth block, where each finished tile gets it.</summary>
        public readonly GemmEpilogue<T> Epilogue = epilogue;
    }

    /// <summary>Rows [i0, i1) of a depth block, in row blocks of at most MC, each with its A packed (or read in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Rows(in DepthBlock block, int i0, int i1)
    {
        int mr = TKernel.MR, kc = block.Kc;
        bool packA = block.Nc > UnpackedAMaxStrips * TKernel.NR;
        int mcMax = Math.Min(block.McMax, RoundUp(i1 - i0, mr));
        // Unpacked, only a partial last row panel is packed (to pad it to MR rows).
        T* packedA = (T*)GemmWorkspace.Current.PackedA((nuint)((packA ? RoundUp(mcMax, mr) : mr) * kc * sizeof(T)));
        T* edgeTile = stackalloc T[mr * TKernel.NR];
        for (int ic = i0; ic < i1; ic += mcMax)
        {
            int mc = Math.Min(mcMax, i1 - ic);
            T* aBlock = block.TransA ? block.A + block.Pc * block.Lda + ic : block.A + ic * block.Lda + block.Pc;
            var aPanels = packA ? APanels.Pack(block.TransA, aBlock, block.Lda, mc, kc, packedA)
                : APanels.InPlace(block.TransA, aBlock, block.Lda, mc, kc, packedA);
            var tile = new BlockProduct(mc, block.Nc, kc, aPanels, block.PackedB, block.C + ic * block.Ldc + block.Jc, block.Ldc, edgeTile);
            T* unpackedB = ic == i0 ? block.UnpackedB : null;
            MacroTile(tile, block.Alpha, block.Beta, block.Epilogue.IsIdentity ? default : block.Epilogue.At(ic, block.Jc), unpackedB, block.Ldb);
        }
    }

    /// <summary>Widest C, in NR strips, for which A is read in place rather than packed.</summary>
    const int UnpackedAMaxStrips = 4;

    /// <summary>One MC×KC · KC×NC block product and where its result goes.</summary>
    readonly struct BlockProduct(int mc, int nc, int kc, APanels a, T* packedB, T* c, nint ldc, T* edgeTile)
    {
        public readonly int Mc = mc, Nc = nc, Kc = kc;
        public readonly APanels A = a;
        public readonly T* PackedB = packedB, C = c, EdgeTile = edgeTile;
        public readonly nint Ldc = ldc;
    }

    /// <summary>
    /// Where the MR-row panels of an MC×KC block of A are: packed (row stride 1, depth stride MR), or
    /// in place in A, with a partial last panel packed so the kernel never reads past A's last row.
    /// </summary>
    readonly struct APanels
    {
        readonly T* first, lastPacked;
        readonly nint panelStride, row, depth;
        readonly int fullRows;

        APanels(T* first, nint panelStride, nint row, nint depth, int fullRows, T* lastPacked)
        {
            this.first = first; this.panelStride = panelStride; this.row = row; this.depth = depth;
            this.fullRows = fullRows; this.lastPacked = lastPacked;
        }

        public static APanels Pack(bool transA, T* a, nint lda, int mc, int kc, T* packed)
        {
            GemmPacking.PackA<T, TKernel>(transA, a, lda, mc, kc, packed);
            return new APanels(packed, (nint)TKernel.MR * kc, 1, TKernel.MR, int.MaxValue, null);
        }

        public static APanels InPlace(bool transA, T* a, nint lda, int mc, int kc, T* packed)
        {
            int mr = TKernel.MR, full = mc / mr * mr;
            if (full < mc) GemmPacking.PackA<T, TKernel>(transA, transA ? a + full : a + full * lda, lda, mc - full, kc, packed);
            return transA
                ? new APanels(a, mr, 1, lda, full, packed)
                : new APanels(a, mr * lda, lda, 1, full, packed);
        }

        /// <summary>The panel starting at row ir of the block, with its row and depth strides.</summary>
        public T* At(int ir, out nint aRow, out nint aDepth)
        {
            if (ir < fullRows)
            {
                aRow = row; aDepth = depth;
                return first + ir / TKernel.MR * panelStride;
            }
            aRow = 1; aDepth = TKernel.MR;
            return lastPacked;
        }
    }

    /// <summary>
    /// All MR×NR tiles of one block product, each finished by the epilogue. With unpackedB (row-major,
    /// row stride ldb), each strip of B is packed as it is first used: by its first tile when that tile
    /// is whole, otherwise by a copy just before. Each whole tile's kernel prefetches the C of the tile
    /// after it; only the block's first tile, and tiles after a partial one, are prefetched here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MacroTile(in BlockProduct block, T alpha, T beta, in GemmEpilogue<T> epilogue, T* unpackedB, nint ldb)
    {
        bool finish = !epilogue.IsIdentity;
        int mr = TKernel.MR, nr = TKernel.NR, kc = block.Kc;
        bool prefetched = false;
        for (int jr = 0; jr < block.Nc; jr += nr)
        {
            int cols = Math.Min(nr, block.Nc - jr);
            T* bPanel = block.PackedB + jr * kc;
            bool packWithKernel = unpackedB != null && cols == nr && block.Mc >= mr;
            if (unpackedB != null && !packWithKernel) GemmPacking.PackB<T, TKernel>(false, unpackedB + jr, ldb, kc, cols, bPanel);
            for (int ir = 0; ir < block.Mc; ir += mr)
            {
                int rows = Math.Min(mr, block.Mc - ir);
                T* aPanel = block.A.At(ir, out nint aRow, out nint aDepth);
                T* cTile = block.C + ir * block.Ldc + jr;
                if (!prefetched) GemmPrefetch.Tile(cTile, block.Ldc, rows, cols);
                T* next = NextWholeTile(block, ir, jr);
                prefetched = next != null && rows == mr && cols == nr;
                if (packWithKernel && ir == 0)
                {
                    TKernel.TilePackingB(kc, aPanel, aRow, aDepth, unpackedB + jr, ldb, bPanel, cTile, block.Ldc, alpha, beta, next);
                }
                else if (rows == mr && cols == nr)
                {
                    TKernel.Tile(kc, aPanel, aRow, aDepth, bPanel, cTile, block.Ldc, alpha, beta, next);
                }
                else
                {
                    // Partial tile: compute the full padded tile aside, then merge only the valid part.
                    TKernel.EdgeTile(rows, kc, aPanel, aRow, aDepth, bPanel, block.EdgeTile, nr);
                    MergeEdge(block.EdgeTile, rows, cols, cTile, block.Ldc, alpha, beta);
                }
                if (finish) epilogue.At(ir, jr).Apply(cTile, block.Ldc, rows, cols);
            }
        }
    }

    /// <summary>C of the tile MacroTile visits after (ir, jr) when that tile is whole, else null.</summary>
    static T* NextWholeTile(in BlockProduct block, int ir, int jr)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        if ((ir += mr) >= block.Mc) { ir = 0; jr += nr; }
        return ir + mr <= block.Mc && jr + nr <= block.Nc ? block.C + ir * block.Ldc + jr : null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MergeEdge(T* tile, int rows, int cols, T* c, nint ldc, T alpha, T beta)
    {
        int nr = TKernel.NR, width = Vector<T>.Count;
        int vectorEnd = Vector.IsHardwareAccelerated ? cols - cols % width : 0;
        for (int r = 0; r < rows; r++, tile += nr, c += ldc)
        {
            int j = 0;
            if (beta == T.Zero)
            {
                for (; j < vectorEnd; j += width) Vector.Store(Vector.Load(tile + j) * alpha, c + j);
                for (; j < cols; j++) c[j] = alpha * tile[j];
            }
            else
            {
                for (; j < vectorEnd; j += width) Vector.Store(Vector.Load(tile + j) * alpha + Vector.Load(c + j) * beta, c + j);
                for (; j < cols; j++) c[j] = alpha * tile[j] + beta * c[j];
            }
        }
    }

    /// <summary>Splits total into equal blocks of at most max (rounded up to unit), so no block is a sliver.</summary>
    public static int BalancedBlock(int total, int max, int unit)
    {
        int blocks = (total + max - 1) / max;
        return RoundUp((total + blocks - 1) / blocks, unit);
    }

    public static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;
}
