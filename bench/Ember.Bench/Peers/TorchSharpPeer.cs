using TorchSharp;
using static TorchSharp.torch;

namespace Ember.Bench.Peers;

/// <summary>TorchSharp-cpu (libtorch): loading it once, thread settings, and tensors from shared data.</summary>
public static class TorchSharpPeer
{
    public const string Name = "torchsharp";

    static readonly Lazy<string?> loadError = new(Load);

    /// <summary>Null when libtorch loaded; otherwise why it could not, reported instead of timings.</summary>
    public static string? LoadError => loadError.Value;

    public static string Version => $"TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)}, libtorch {__version__}";

    /// <summary>Sets libtorch's intra-op threads; no-op if it failed to load.</summary>
    public static void SetThreads(int n)
    {
        if (LoadError is null) set_num_threads(n);
    }

    /// <summary>A float32 CPU tensor holding a copy of <paramref name="data"/>.</summary>
    public static torch.Tensor FromArray(float[] data, params int[] shape) =>
        tensor(data, shape.Select(d => (long)d).ToArray());

    /// <summary>The tensor's values, row-major.</summary>
    public static float[] ToArray(torch.Tensor t)
    {
        using var c = t.contiguous();
        return c.data<float>().ToArray();
    }

    static string? Load()
    {
        try
        {
            // Inter-op parallelism must be fixed before libtorch runs any parallel work; one thread
            // keeps the comparison to intra-op threads, which is what Ember has.
            set_num_interop_threads(1);
            using var probe = ones(2, 2);
            return null;
        }
        catch (Exception e)
        {
            while (e.InnerException is { } inner) e = inner;   // the type initializer wraps the real cause
            return $"TorchSharp could not load libtorch: {e.GetType().Name}: {e.Message.Split('\n')[0]}";
        }
    }
}
