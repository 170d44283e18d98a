using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ember.Backends.Cpu;

/// <summary>
/// 6×16 float tile on AVX2+FMA: 12 ymm accumulators + 2 B vectors + 1 broadcast fill the 16 registers,
/// and 12 independent FMA chains cover two ports × 5-cycle latency.
/// </summary>
internal readonly unsafe struct Avx2SgemmKernel : IGemmKernel<float>
{
    public static int MR => 6;
    public static int NR => 16;
    public static int KC => 256;   // KC×NR×4 B = 16 KiB B panel in a 32 KiB L1
    public static int MC => 144;   // MC×KC×4 B = 144 KiB A block in a 256 KiB+ L2
    public static int NC => 4096;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default, c50 = default, c51 = default;

        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 = Fma.MultiplyAdd(ar, b0, c00); c01 = Fma.MultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[1]);
            c10 = Fma.MultiplyAdd(ar, b0, c10); c11 = Fma.MultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[2]);
            c20 = Fma.MultiplyAdd(ar, b0, c20); c21 = Fma.MultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[3]);
            c30 = Fma.MultiplyAdd(ar, b0, c30); c31 = Fma.MultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[4]);
            c40 = Fma.MultiplyAdd(ar, b0, c40); c41 = Fma.MultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[5]);
            c50 = Fma.MultiplyAdd(ar, b0, c50); c51 = Fma.MultiplyAdd(ar, b1, c51);
            Sse.Prefetch0(a + 72);   // the A panel streams from L2; ask for it a dozen steps early
            a += 6;
            b += 16;
        }

        Vector256<float> va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            StoreRow(c, va, c00, c01); StoreRow(c + ldc, va, c10, c11); StoreRow(c + 2 * ldc, va, c20, c21);
            StoreRow(c + 3 * ldc, va, c30, c31); StoreRow(c + 4 * ldc, va, c40, c41); StoreRow(c + 5 * ldc, va, c50, c51);
        }
        else
        {
            Vector256<float> vb = Vector256.Create(beta);
            UpdateRow(c, va, vb, c00, c01); UpdateRow(c + ldc, va, vb, c10, c11); UpdateRow(c + 2 * ldc, va, vb, c20, c21);
            UpdateRow(c + 3 * ldc, va, vb, c30, c31); UpdateRow(c + 4 * ldc, va, vb, c40, c41); UpdateRow(c + 5 * ldc, va, vb, c50, c51);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void StoreRow(float* c, Vector256<float> alpha, Vector256<float> x0, Vector256<float> x1)
    {
        Vector256.Store(alpha * x0, c);
        Vector256.Store(alpha * x1, c + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void UpdateRow(float* c, Vector256<float> alpha, Vector256<float> beta, Vector256<float> x0, Vector256<float> x1)
    {
        Vector256.Store(Fma.MultiplyAdd(beta, Vector256.Load(c), alpha * x0), c);
        Vector256.Store(Fma.MultiplyAdd(beta, Vector256.Load(c + 8), alpha * x1), c + 8);
    }
}
