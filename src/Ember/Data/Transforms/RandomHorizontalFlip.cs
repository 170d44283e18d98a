namespace Ember.Data;

/// <summary>Mirrors the image left–right with probability p (torchvision's RandomHorizontalFlip).</summary>
public sealed class RandomHorizontalFlip : IInPlaceTransform
{
    public RandomHorizontalFlip(double p = 0.5)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"RandomHorizontalFlip: probability {p} is not in [0, 1].");
        P = p;
    }

    public double P { get; }

    public Tensor Apply(Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var img = new ImagePlanes(input, "RandomHorizontalFlip");
        if (!(generator.NextDouble() < P)) return input;
        return Flip(img);
    }

    public void ApplyInPlace(Tensor image, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var img = new ImagePlanes(image, "RandomHorizontalFlip");
        if (!(generator.NextDouble() < P)) return;
        var pixels = image.Span<float>();
        int w = img.Width, rows = img.Planes * img.Height;
        for (int r = 0; r < rows; r++) pixels.Slice(r * w, w).Reverse();
        image.BumpVersion();
    }

    /// <summary>The image mirrored left–right.</summary>
    public static Tensor Flip(Tensor input)
    {
        using var img = new ImagePlanes(input, "Flip");
        return Flip(img);
    }

    static Tensor Flip(in ImagePlanes img)
    {
        var output = img.New(img.Height, img.Width);
        var src = img.Pixels;
        var dst = output.Span<float>();
        int w = img.Width, rows = img.Planes * img.Height;
        for (int r = 0; r < rows; r++)
        {
            src.Slice(r * w, w).CopyTo(dst.Slice(r * w, w));
            dst.Slice(r * w, w).Reverse();
        }
        return output;
    }
}
