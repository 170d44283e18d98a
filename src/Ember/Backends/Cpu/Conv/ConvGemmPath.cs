using System.Numerics;
using System.Numerics.Tensors;

namespace Ember.Backends.Cpu;

/// <summary>
/// Convolution as im2col + packed GEMM, per image and group (a 1×1 stride-1 conv skips im2col: the
/// image already is the column matrix). A batch of small images is shared out to the threads whole,
/// each GEMM then running on one thread; a single image (or a very large one) runs its GEMM threaded.
/// Column buffers come from the pool, one per thread, and go back as soon as the call ends.
/// </summary>
internal static unsafe class ConvGemmPath
{
    /// <summary>y = act(conv(x, w) + b); b may be null. Bias and activation run in the GEMM's epilogue.</summary>
    public static void Forward<T>(ConvGeometry g, T* x, T* w, T* b, T* y, GemmActivation activation = GemmActivation.None) where T : unmanaged, INumber<T>
    {
        ForEachImage<T>(g, needsCols: !g.IsPointwise, (n, cols, threads) =>
        {
            for (int grp = 0; grp < g.Groups; grp++)
            {
                T* xg = x + ((long)n * g.InChannels + grp * g.InGroupChannels) * g.InPlane;
                T* yg = y + ((long)n * g.OutChannels + grp * g.OutGroupChannels) * g.OutPlane;
                T* bcols = xg;
                if (!g.IsPointwise) { Im2Col.Unfold(g, xg, cols); bcols = cols; }
                var epilogue = new GemmEpilogue<T>(b == null ? null : b + grp * g.OutGroupChannels, null, activation);
                Gemm.Run(threads, false, false, g.OutGroupChannels, g.OutPlane, g.ColRows, T.One,
                    w + (long)grp * g.OutGroupChannels * g.ColRows, g.ColRows, bcols, g.OutPlane, T.Zero, yg, g.OutPlane, epilogue);
            }
        });
    }

    /// <summary>gx = convᵀ(gy, w): per group Wᵀ·gy, then col2im onto the image (overwrites gx).</summary>
    public static void BackwardInput<T>(ConvGeometry g, T* gy, T* w, T* gx) where T : unmanaged, INumber<T>
    {
        ForEachImage<T>(g, needsCols: !g.IsPointwise, (n, cols, threads) =>
        {
            for (int grp = 0; grp < g.Groups; grp++)
            {
                T* gyg = gy + ((long)n * g.OutChannels + grp * g.OutGroupChannels) * g.OutPlane;
                T* gxg = gx + ((long)n * g.InChannels + grp * g.InGroupChannels) * g.InPlane;
                T* target = g.IsPointwise ? gxg : cols;
                Gemm.Run(threads, true, false, g.ColRows, g.OutPlane, g.OutGroupChannels, T.One,
                    w + (long)grp * g.OutGroupChannels * g.ColRows, g.ColRows, gyg, g.OutPlane, T.Zero, target, g.OutPlane);
                if (!g.IsPointwise) Im2Col.Fold(g, cols, gxg);
            }
        });
    }

    /// <summary>gw = Σ_n gy_n·colsₙᵀ per group; threads sum into private copies, added up at the end.</summary>
    public static void BackwardWeight<T>(ConvGeometry g, T* x, T* gy, T* gw) where T : unmanaged, INumber<T>
    {
        long weightSize = (long)g.OutChannels * g.ColRows;
        int chunks = BatchChunks(g);
        int threads = chunks > 1 ? 1 : Threading.NumThreads;
        using var partials = chunks > 1 ? Tensor.Empty([chunks - 1, checked((int)weightSize)], DTypes.Of<T>()) : null;
        using var colBuffers = g.IsPointwise ? null : Tensor.Empty([chunks, checked((int)g.ColElements)], DTypes.Of<T>());
        T* partialBase = partials is null ? null : (T*)partials.DataPointer;
        T* colBase = colBuffers is null ? null : (T*)colBuffers.DataPointer;
        Parallelism.Run(chunks, chunk =>
        {
            T* acc = chunk == 0 ? gw : partialBase + (chunk - 1) * weightSize;
            T* cols = colBase + chunk * g.ColElements;
            int first = (int)((long)g.Batch * chunk / chunks), end = (int)((long)g.Batch * (chunk + 1) / chunks);
            for (int n = first; n < end; n++)
                for (int grp = 0; grp < g.Groups; grp++)
                {
                    T* xg = x + ((long)n * g.InChannels + grp * g.InGroupChannels) * g.InPlane;
                    T* gyg = gy + ((long)n * g.OutChannels + grp * g.OutGroupChannels) * g.OutPlane;
                    T* bcols = xg;
                    if (!g.IsPointwise) { Im2Col.Unfold(g, xg, cols); bcols = cols; }
                    Gemm.Run(threads, false, true, g.OutGroupChannels, g.ColRows, g.OutPlane, T.One,
                        gyg, g.OutPlane, bcols, g.OutPlane, n != first ? T.One : T.Zero, acc + (long)grp * g.OutGroupChannels * g.ColRows, g.ColRows);
                }
            if (end == first) new Span<T>(acc, checked((int)weightSize)).Clear();
        });
        var total = new Span<T>(gw, checked((int)weightSize));
        for (int c = 1; c < chunks; c++)
            TensorPrimitives.Add(total, new ReadOnlySpan<T>(partialBase + (c - 1) * weightSize, (int)weightSize), total);
    }

    /// <summary>gb[o] = Σ over batch and positions of gy[n, o].</summary>
    public static void BackwardBias<T>(int batch, int channels, int plane, T* gy, T* gb) where T : unmanaged, INumber<T>
    {
        for (int o = 0; o < channels; o++)
        {
            T s = T.Zero;
            for (int n = 0; n < batch; n++)
                s += TensorPrimitives.Sum(new ReadOnlySpan<T>(gy + ((long)n * channels + o) * plane, plane));
            gb[o] = s;
        }
    }

    /// <summary>Above this many im2col elements per image (8 MB of floats) images are not spread over threads.</summary>
    const long MaxColElementsPerThread = 2L << 20;

    /// <summary>How many threads take whole images: all of them when the batch can feed each one.</summary>
    static int BatchChunks(in ConvGeometry g)
    {
        int threads = Threading.NumThreads;
        if (threads <= 1 || g.Batch <= 1) return 1;
        // Large images: one column buffer at a time (they can run to hundreds of MB) and a threaded GEMM,
        // which such a product keeps busy on its own.
        if (g.ColElements > MaxColElementsPerThread) return 1;
        long total = g.WorkPerImage * g.Batch;
        int byWork = (int)Math.Max(1, total / (64L * 64 * 64));
        return Math.Min(Math.Min(threads, g.Batch), byWork);
    }

    /// <summary>Runs body(n, cols, gemmThreads) for every image, handing each thread its own column buffer.</summary>
    static void ForEachImage<T>(ConvGeometry g, bool needsCols, ImageBody<T> body) where T : unmanaged, INumber<T>
    {
        int chunks = BatchChunks(g);
        int gemmThreads = chunks > 1 ? 1 : Threading.NumThreads;
        using var colBuffers = needsCols ? Tensor.Empty([chunks, checked((int)g.ColElements)], DTypes.Of<T>()) : null;
        T* colBase = colBuffers is null ? null : (T*)colBuffers.DataPointer;
        Parallelism.Run(chunks, chunk =>
        {
            T* cols = colBase + chunk * g.ColElements;
            int first = (int)((long)g.Batch * chunk / chunks), end = (int)((long)g.Batch * (chunk + 1) / chunks);
            for (int n = first; n < end; n++) body(n, cols, gemmThreads);
        });
    }

    internal delegate void ImageBody<T>(int n, T* cols, int gemmThreads) where T : unmanaged;
}
