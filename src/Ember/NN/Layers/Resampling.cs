using System.Globalization;

namespace Ember.NN;

/// <summary>
/// Resamples [N, C, L] or [N, C, H, W] inputs to a fixed size or by a scale factor: mode "nearest",
/// "linear" (3-d) or "bilinear" (4-d), as torch.nn.Upsample.
/// </summary>
public sealed class Upsample : Module<Tensor, Tensor>
{
    public int[]? Size { get; }
    public double[]? ScaleFactor { get; }
    public string Mode { get; }
    public bool? AlignCorners { get; }
    public bool? RecomputeScaleFactor { get; }

    public Upsample(int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null, bool? recomputeScaleFactor = null)
    {
        if ((size is null) == (scaleFactor is null))
            throw new ArgumentException("Upsample: give exactly one of size and scaleFactor.");
        Size = size is null ? null : (int[])size.Clone();
        ScaleFactor = scaleFactor is null ? null : (double[])scaleFactor.Clone();
        Mode = mode ?? throw new ArgumentNullException(nameof(mode));
        AlignCorners = alignCorners;
        RecomputeScaleFactor = recomputeScaleFactor;
    }

    /// <summary>The same scale factor for every spatial dim.</summary>
    public Upsample(double scaleFactor, string mode = "nearest", bool? alignCorners = null) : this(null, [scaleFactor], mode, alignCorners) { }

    public override Tensor Forward(Tensor input) => input.Interpolate(Size, ScaleFactor, Mode, AlignCorners, RecomputeScaleFactor);

    // PyTorch prints a single value bare, several as a tuple, and the mode unquoted: scale_factor=2.0, mode=nearest.
    public override string ExtraRepr()
    {
        string info = ScaleFactor is { } f
            ? "scale_factor=" + (f.Length == 1 ? PyFloat(f[0]) : "(" + string.Join(", ", f.Select(PyFloat)) + ")")
            : "size=" + (Size!.Length == 1 ? Size[0].ToString(CultureInfo.InvariantCulture) : PyTuple(Size));
        return $"{info}, mode={Mode}";
    }
}

/// <summary>[*, C·r², H, W] → [*, C, H·r, W·r], as torch.nn.PixelShuffle.</summary>
public sealed class PixelShuffle(int upscaleFactor) : Module<Tensor, Tensor>
{
    public int UpscaleFactor => upscaleFactor;
    public override Tensor Forward(Tensor input) => input.PixelShuffle(upscaleFactor);
    public override string ExtraRepr() => $"upscale_factor={upscaleFactor}";
}

/// <summary>[*, C, H·r, W·r] → [*, C·r², H, W], as torch.nn.PixelUnshuffle.</summary>
public sealed class PixelUnshuffle(int downscaleFactor) : Module<Tensor, Tensor>
{
    public int DownscaleFactor => downscaleFactor;
    public override Tensor Forward(Tensor input) => input.PixelUnshuffle(downscaleFactor);
    public override string ExtraRepr() => $"downscale_factor={downscaleFactor}";
}

public static partial class Functional
{
    /// <summary>torch.nn.functional.interpolate for modes "nearest", "linear" and "bilinear"; see <see cref="Tensor.Interpolate"/>.</summary>
    public static Tensor Interpolate(Tensor input, int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null, bool? recomputeScaleFactor = null)
        => input.Interpolate(size, scaleFactor, mode, alignCorners, recomputeScaleFactor);

    public static Tensor PixelShuffle(Tensor input, int upscaleFactor) => input.PixelShuffle(upscaleFactor);
    public static Tensor PixelUnshuffle(Tensor input, int downscaleFactor) => input.PixelUnshuffle(downscaleFactor);
}
