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
        int kcMax = BalancedBlock(k, TKernel.KC, 1);
        int mcMax = BalancedBlock(m, TKernel.MC, mr);
        int ncMax = BalancedBlock(n, TKernel.NC, nr);

        // With a single row block every packed B strip is used once, right after packing, so one
        // L1-sized strip buffer replaces the whole KC×NC block.
        bool oneStripBuffer = m <= mcMax;
        GemmWorkspace workspace = GemmWorkspace.Current;
        T* packedA = (T*)workspace.PackedA((nuint)(RoundUp(mcMax, mr) * kcMax * sizeof(T)));
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
                    GemmPacking.PackA<T, TKernel>(transA, aBlock, lda, mc, kc, packedA);
                    var tile = new BlockProduct(mc, nc, kc, packedA, packedB, c + ic * ldc + jc, ldc, edgeTile);
                    var tileEpilogue = lastDepth ? epilogue.At(ic, jc) : default;
                    MacroTile(tile, alpha, blockBeta, ic == 0, oneStripBuffer, bSource, tileEpilogue);
                }
            }
        }
    }

    /// <summary>One packed MC×KC · KC×NC block product and where its result goes.</summary>
    readonly struct BlockProduct(int mc, int nc, int kc, T* packedA, T* packedB, T* c, nint ldc, T* edgeTile)
    {
        public readonly int Mc = mc, Nc = nc, Kc = kc;
        public readonly T* PackedA = packedA, PackedB = packedB, C = c, EdgeTile = edgeTile;
        public readonly nint Ldc = ldc;
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
                T* aPanel = block.PackedA + ir * kc;
                T* cTile = block.C + ir * block.Ldc + jr;
                GemmPrefetch.Tile(cTile, block.Ldc, rows, cols);
                if (rows == mr && cols == nr)
                {
                    TKernel.Tile(kc, aPanel, bPanel, cTile, block.Ldc, alpha, beta);
                }
                else
                {
                    // Partial tile: compute the full padded tile aside, then merge only the valid part.
                    TKernel.Tile(kc, aPanel, bPanel, block.EdgeTile, nr, T.One, T.Zero);
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
