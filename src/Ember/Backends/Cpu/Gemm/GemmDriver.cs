using System.Numerics;
using System.Runtime.CompilerServices;

namespace Ember.Backends.Cpu;

/// <summary>
/// The single-threaded blocked algorithm (Goto/BLIS loop order): for each NC column block and KC depth
/// block, and each MC row block, pack A; then sweep the micro-kernel over MR×NR tiles so a packed
/// KC×NR strip of B stays in L1 while A panels stream from L2. B strips are packed during the first row
/// block, right before their first use, so they are still in L1 when the kernels read them.
/// </summary>
internal static unsafe class GemmDriver<T, TKernel>
    where T : unmanaged, INumber<T>
    where TKernel : struct, IGemmKernel<T>
{
    /// <summary>C = epilogue(alpha·op(A)·op(B) + beta·C) on the calling thread. Requires m, n, k &gt; 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    public static void Run(bool transA, bool transB, int m, int n, int k, T alpha,
        T* a, nint lda, T* b, nint ldb, T beta, T* c, nint ldc, in GemmEpilogue<T> epilogue)
    {
        int mr = TKernel.MR, nr = TKernel.NR;
        // A depth a little past KC stays one block: a second block would cost a whole extra pass over C
        // for a few k steps, while a B strip of up to 1.25·KC still fits L1.
        int kcMax = BalancedBlock(k, TKernel.KC + TKernel.KC / 4, 1);
        int mcMax = BalancedBlock(m, TKernel.MC, mr);
        int ncMax = BalancedBlock(n, TKernel.NC, nr);

        // With a single row block every packed B strip is used once, right after packing, so one
        // L1-sized strip buffer replaces the whole KC×NC block.
        bool oneStripBuffer = m <= mcMax;
        bool packA = n > UnpackedAMaxStrips * nr;
        GemmWorkspace workspace = GemmWorkspace.Current;
        // Unpacked, only a partial last row panel is packed (to pad it to MR rows).
        T* packedA = (T*)workspace.PackedA((nuint)((packA ? RoundUp(mcMax, mr) : mr) * kcMax * sizeof(T)));
        T* packedB = (T*)workspace.PackedB((nuint)((oneStripBuffer ? nr : RoundUp(ncMax, nr)) * kcMax * sizeof(T)));
        T* edgeTile = stackalloc T[mr * nr];

        for (int jc = 0; jc < n; jc += ncMax)
        {
            int nc = Math.Min(ncMax, n - jc);
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                var bSource = new GemmBSource<T>(transB, transB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, kc);

                // Later depth blocks accumulate onto what the first one wrote.
                T blockBeta = pc == 0 ? beta : T.One;
                // The epilogue runs on each tile as the last depth block finishes it.
                bool lastDepth = pc + kc >= k;
                for (int ic = 0; ic < m; ic += mcMax)
                {
                    int mc = Math.Min(mcMax, m - ic);
                    T* aBlock = transA ? a + pc * lda + ic : a + ic * lda + pc;
                    var aPanels = packA ? APanels.Pack(transA, aBlock, lda, mc, kc, packedA) : APanels.InPlace(transA, aBlock, lda, mc, kc, packedA);
                    var tile = new BlockProduct(mc, nc, kc, aPanels, packedB, c + ic * ldc + jc, ldc, edgeTile);
                    var tileEpilogue = lastDepth ? epilogue.At(ic, jc) : default;
                    MacroTile(tile, alpha, blockBeta, ic == 0, oneStripBuffer, bSource, tileEpilogue);
                }
            }
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

    /// <summary>All MR×NR tiles of one block product, packing B strips first if packB, each finished by the epilogue.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void MacroTile(in BlockProduct block, T alpha, T beta, bool packB, bool oneStripBuffer, in GemmBSource<T> bSource,
        in GemmEpilogue<T> epilogue)
    {
        bool finish = !epilogue.IsIdentity;
        int mr = TKernel.MR, nr = TKernel.NR, kc = block.Kc;
        for (int jr = 0; jr < block.Nc; jr += nr)
        {
            int cols = Math.Min(nr, block.Nc - jr);
            T* bPanel = oneStripBuffer ? block.PackedB : block.PackedB + jr * kc;
            if (packB) bSource.Pack<TKernel>(jr, cols, bPanel);

            for (int ir = 0; ir < block.Mc; ir += mr)
            {
                int rows = Math.Min(mr, block.Mc - ir);
                T* aPanel = block.A.At(ir, out nint aRow, out nint aDepth);
                T* cTile = block.C + ir * block.Ldc + jr;
                GemmPrefetch.Tile(cTile, block.Ldc, rows, cols);
                if (rows == mr && cols == nr)
                {
                    TKernel.Tile(kc, aPanel, aRow, aDepth, bPanel, cTile, block.Ldc, alpha, beta);
                }
                else
                {
                    // Partial tile: compute the full padded tile aside, then merge only the valid part.
                    TKernel.Tile(kc, aPanel, aRow, aDepth, bPanel, block.EdgeTile, nr, T.One, T.Zero);
                    MergeEdge(block.EdgeTile, rows, cols, cTile, block.Ldc, alpha, beta);
                }
                if (finish) epilogue.At(ir, jr).Apply(cTile, block.Ldc, rows, cols);
            }
        }
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
    static int BalancedBlock(int total, int max, int unit)
    {
        int blocks = (total + max - 1) / max;
        return RoundUp((total + blocks - 1) / blocks, unit);
    }

    static int RoundUp(int x, int unit) => (x + unit - 1) / unit * unit;
}
