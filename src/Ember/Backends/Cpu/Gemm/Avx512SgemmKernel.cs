using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// 8×32 float tile on AVX-512: 16 zmm accumulators, two B vectors per k, one broadcast of A per row.
/// 16 independent FMA chains keep both FMA ports busy through their 4-cycle latency.
/// </summary>
internal readonly unsafe struct Avx512SgemmKernel : IGemmKernel<float>
{
    public static int MR => 8;
    public static int NR => 32;
    public static int KC => 256;   // KC×NR×4 B = 32 KiB B panel in a 48 KiB L1
    public static int MC => 384;   // MC×KC×4 B = 384 KiB A block in a 2 MiB L2
    public static int NC => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a[0]);
            c00 = Avx512F.FusedMultiplyAdd(ar, b0, c00); c01 = Avx512F.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector512.Create(a[1]);
            c10 = Avx512F.FusedMultiplyAdd(ar, b0, c10); c11 = Avx512F.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector512.Create(a[2]);
            c20 = Avx512F.FusedMultiplyAdd(ar, b0, c20); c21 = Avx512F.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector512.Create(a[3]);
            c30 = Avx512F.FusedMultiplyAdd(ar, b0, c30); c31 = Avx512F.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector512.Create(a[4]);
            c40 = Avx512F.FusedMultiplyAdd(ar, b0, c40); c41 = Avx512F.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector512.Create(a[5]);
            c50 = Avx512F.FusedMultiplyAdd(ar, b0, c50); c51 = Avx512F.FusedMultiplyAdd(ar, b1, c51);
            ar = Vector512.Create(a[6]);
            c60 = Avx512F.FusedMultiplyAdd(ar, b0, c60); c61 = Avx512F.FusedMultiplyAdd(ar, b1, c61);
            ar = Vector512.Create(a[7]);
            c70 = Avx512F.FusedMultiplyAdd(ar, b0, c70); c71 = Avx512F.FusedMultiplyAdd(ar, b1, c71);
            Sse.Prefetch0(a + 96);   // the A panel streams from L2; ask for it a dozen steps early
            a += 8;
            b += 32;
        }

        Vector512<float> va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            StoreRow(c, va, c00, c01); StoreRow(c + ldc, va, c10, c11);
            StoreRow(c + 2 * ldc, va, c20, c21); StoreRow(c + 3 * ldc, va, c30, c31);
            StoreRow(c + 4 * ldc, va, c40, c41); StoreRow(c + 5 * ldc, va, c50, c51);
            StoreRow(c + 6 * ldc, va, c60, c61); StoreRow(c + 7 * ldc, va, c70, c71);
        }
        else
        {
            Vector512<float> vb = Vector512.Create(beta);
            UpdateRow(c, va, vb, c00, c01); UpdateRow(c + ldc, va, vb, c10, c11);
            UpdateRow(c + 2 * ldc, va, vb, c20, c21); UpdateRow(c + 3 * ldc, va, vb, c30, c31);
            UpdateRow(c + 4 * ldc, va, vb, c40, c41); UpdateRow(c + 5 * ldc, va, vb, c50, c51);
            UpdateRow(c + 6 * ldc, va, vb, c60, c61); UpdateRow(c + 7 * ldc, va, vb, c70, c71);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow(float* c, Vector512<float> alpha, Vector512<float> x0, Vector512<float> x1)
    {
        Vector512.Store(alpha * x0, c);
        Vector512.Store(alpha * x1, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void UpdateRow(float* c, Vector512<float> alpha, Vector512<float> beta, Vector512<float> x0, Vector512<float> x1)
    {
        Vector512.Store(Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c), alpha * x0), c);
        Vector512.Store(Avx512F.FusedMultiplyAdd(beta, Vector512.Load(c + 16), alpha * x1), c + 16);
    }
}
