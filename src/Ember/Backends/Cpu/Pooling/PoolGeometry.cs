namespace Ember.Backends.Cpu;

/// <summary>
/// A pooled tensor seen as planes: [Planes, H, W] in, [Planes, OH, OW] out, both contiguous;
/// Planes is batch × channels.
/// </summary>
internal readonly record struct PoolPlanes(long Planes, int H, int W, int OH, int OW)
{
    public long InPlane => (long)H * W;
    public long OutPlane => (long)OH * OW;
}

/// <summary>A sliding window: kernel size, stride, padding and dilation per spatial dim.</summary>
internal readonly record struct PoolWindow(int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW)
{
    /// <summary>
    /// PyTorch's pooling output length: ⌊(n + 2p − d(k−1) − 1) / s⌋ + 1 (or ⌈·⌉ in ceil mode), where a
    /// last window that would start inside the right padding is dropped.
    /// </summary>
    public static int OutputSize(int n, int k, int s, int p, int d, bool ceilMode)
    {
        long span = (long)n + 2L * p - (long)d * (k - 1) - 1;
        long o = (ceilMode ? CeilDiv(span, s) : FloorDiv(span, s)) + 1;
        if (ceilMode && (o - 1) * s >= n + p) o--;
        return (int)Math.Max(o, 0);
    }

    static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    static long CeilDiv(long a, long b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/// <summary>Adaptive pooling's windows: output cell o covers [⌊o·n/out⌋, ⌈(o+1)·n/out⌉).</summary>
internal static class AdaptiveWindow
{
    public static int Start(int o, int n, int outSize) => (int)((long)o * n / outSize);
    public static int End(int o, int n, int outSize) => (int)(((long)(o + 1) * n + outSize - 1) / outSize);
}
