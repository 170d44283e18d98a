namespace Ember.Data;

/// <summary>
/// With probability p, sets a random rectangle of the image to <c>value</c> (torchvision's RandomErasing): its area
/// is a uniform fraction in <c>scale</c> of the image, its aspect ratio log-uniform in <c>ratio</c>; up to ten
/// draws are tried for a rectangle that fits, else the image is left as it is.
/// </summary>
public sealed class RandomErasing : IInPlaceTransform
{
    public RandomErasing(double p = 0.5, (double Min, double Max)? scale = null, (double Min, double Max)? ratio = null, float value = 0)
    {
        var s = scale ?? (0.02, 0.33);
        var r = ratio ?? (0.3, 3.3);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"RandomErasing: probability {p} is not in [0, 1].");
        if (!(s.Min >= 0 && s.Min <= s.Max && s.Max <= 1))
            throw new ArgumentOutOfRangeException(nameof(scale), $"RandomErasing: scale ({s.Min}, {s.Max}) must satisfy 0 ≤ min ≤ max ≤ 1.");
        if (!(r.Min > 0 && r.Min <= r.Max) || double.IsInfinity(r.Max))
            throw new ArgumentOutOfRangeException(nameof(ratio), $"RandomErasing: ratio ({r.Min}, {r.Max}) must satisfy 0 < min ≤ max.");
        P = p;
        Scale = s;
        Ratio = r;
        Value = value;
    }

    public double P { get; }
    public (double Min, double Max) Scale { get; }
    public (double Min, double Max) Ratio { get; }
    public float Value { get; }

    public Tensor Apply(Tensor input, Generator generator)
    {
        using var img = new ImagePlanes(input, "RandomErasing");
        if (Draw(img.Height, img.Width, generator) is not var (top, left, eh, ew)) return input;
        var output = img.New(img.Height, img.Width);
        img.Pixels.CopyTo(output.Span<float>());
        Fill(output.Span<float>(), img.Planes, img.Height, img.Width, top, left, eh, ew, Value);
        return output;
    }

    public void ApplyInPlace(Tensor image, Generator generator)
    {
        using var img = new ImagePlanes(image, "RandomErasing");
        if (Draw(img.Height, img.Width, generator) is not var (top, left, eh, ew)) return;
        Fill(image.Span<float>(), img.Planes, img.Height, img.Width, top, left, eh, ew, Value);
        image.BumpVersion();
    }

    /// <summary>The rectangle to erase, or null when the coin says no or no draw fits.</summary>
    (int Top, int Left, int Height, int Width)? Draw(int h, int w, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (!(generator.NextDouble() < P)) return null;
        double area = (double)h * w, logMin = Math.Log(Ratio.Min), logMax = Math.Log(Ratio.Max);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double erase = area * (Scale.Min + generator.NextDouble() * (Scale.Max - Scale.Min));
            double aspect = Math.Exp(logMin + generator.NextDouble() * (logMax - logMin));
            int eh = (int)Math.Round(Math.Sqrt(erase * aspect));
            int ew = (int)Math.Round(Math.Sqrt(erase / aspect));
            if (!(eh < h && ew < w)) continue;
            int top = (int)generator.NextInt64(0, h - eh + 1);
            int left = (int)generator.NextInt64(0, w - ew + 1);
            return (top, left, eh, ew);
        }
        return null;
    }

    /// <summary>A copy of the image with the rectangle at (top, left) of the given size set to <paramref name="value"/>.</summary>
    public static Tensor Erase(Tensor input, int top, int left, int height, int width, float value)
    {
        using var img = new ImagePlanes(input, "Erase");
        if (top < 0 || left < 0 || height < 0 || width < 0 || top + height > img.Height || left + width > img.Width)
            throw new ArgumentOutOfRangeException(nameof(top), $"Erase: the rectangle at ({top}, {left}) of size ({height}, {width}) is not inside an image of shape {Shapes.Format(input.shape)}.");
        return Erase(img, top, left, height, width, value);
    }

    static Tensor Erase(in ImagePlanes img, int top, int left, int height, int width, float value)
    {
        var output = img.New(img.Height, img.Width);
        img.Pixels.CopyTo(output.Span<float>());
        Fill(output.Span<float>(), img.Planes, img.Height, img.Width, top, left, height, width, value);
        return output;
    }

    static void Fill(Span<float> pixels, int planes, int h, int w, int top, int left, int height, int width, float value)
    {
        for (int p = 0; p < planes; p++)
            for (int y = top; y < top + height; y++)
                pixels.Slice((p * h + y) * w + left, width).Fill(value);
    }
}
