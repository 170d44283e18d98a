using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ember.Backends.Cpu;

/// <summary>
/// 4×8 float tile on 128-bit vectors for machines without AVX2+FMA (older x86, Arm, anything else).
/// MultiplyAddEstimate fuses where the hardware can and falls back to multiply + add elsewhere.
/// </summary>
internal readonly unsafe struct PortableSgemmKernel : IGemmKernel<float>
{
    public static int MR => 4;
    public static int NR => 8;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 2048;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<float> b0 = Vector128.Load(b), b1 = Vector128.Load(b + 4);
            Vector128<float> ar = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ar, b0, c00); c01 = Vector128.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ar, b0, c10); c11 = Vector128.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ar, b0, c20); c21 = Vector128.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ar, b0, c30); c31 = Vector128.MultiplyAddEstimate(ar, b1, c31);
            a += 4;
            b += 8;
        }
        WriteRow(c, alpha, beta, c00, c01);
        WriteRow(c + ldc, alpha, beta, c10, c11);
        WriteRow(c + 2 * ldc, alpha, beta, c20, c21);
        WriteRow(c + 3 * ldc, alpha, beta, c30, c31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteRow(float* c, float alpha, float beta, Vector128<float> x0, Vector128<float> x1)
    {
        x0 *= alpha;
        x1 *= alpha;
        if (beta != 0f)
        {
            x0 += beta * Vector128.Load(c);
            x1 += beta * Vector128.Load(c + 4);
        }
        Vector128.Store(x0, c);
        Vector128.Store(x1, c + 4);
    }
}

/// <summary>4×4 double tile on 128-bit vectors; the portable float kernel's shape.</summary>
internal readonly unsafe struct PortableDgemmKernel : IGemmKernel<double>
{
    public static int MR => 4;
    public static int NR => 4;
    public static int KC => 256;
    public static int MC => 128;
    public static int NC => 2048;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, double* a, double* b, double* c, nint ldc, double alpha, double beta)
    {
        Vector128<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector128<double> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector128<double> b0 = Vector128.Load(b), b1 = Vector128.Load(b + 2);
            Vector128<double> ar = Vector128.Create(a[0]);
            c00 = Vector128.MultiplyAddEstimate(ar, b0, c00); c01 = Vector128.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector128.Create(a[1]);
            c10 = Vector128.MultiplyAddEstimate(ar, b0, c10); c11 = Vector128.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector128.Create(a[2]);
            c20 = Vector128.MultiplyAddEstimate(ar, b0, c20); c21 = Vector128.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector128.Create(a[3]);
            c30 = Vector128.MultiplyAddEstimate(ar, b0, c30); c31 = Vector128.MultiplyAddEstimate(ar, b1, c31);
            a += 4;
            b += 4;
        }
        WriteRow(c, alpha, beta, c00, c01);
        WriteRow(c + ldc, alpha, beta, c10, c11);
        WriteRow(c + 2 * ldc, alpha, beta, c20, c21);
        WriteRow(c + 3 * ldc, alpha, beta, c30, c31);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void WriteRow(double* c, double alpha, double beta, Vector128<double> x0, Vector128<double> x1)
    {
        x0 *= alpha;
        x1 *= alpha;
        if (beta != 0d)
        {
            x0 += beta * Vector128.Load(c);
            x1 += beta * Vector128.Load(c + 2);
        }
        Vector128.Store(x0, c);
        Vector128.Store(x1, c + 2);
    }
}
