namespace Ember.Data;

/// <summary>
/// Rotates the image about its centre by an angle drawn uniformly from [−degrees, degrees], counter-clockwise for
/// positive angles, sampling bilinearly; pixels that come from outside the image take <c>fill</c>
/// (torchvision's RandomRotation with bilinear interpolation and a constant fill).
/// </summary>
public sealed class RandomRotation : ITransform
{
    public RandomRotation(double degrees, float fill = 0)
    {
        if (!(degrees >= 0 && degrees <= 180))
            throw new ArgumentOutOfRangeException(nameof(degrees), $"RandomRotation: degrees {degrees} must be in [0, 180].");
        Degrees = degrees;
        Fill = fill;
    }

    public double Degrees { get; }
    public float Fill { get; }

    public Tensor Apply(Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        double angle = (generator.NextDouble() * 2 - 1) * Degrees;
        return Rotate(input, angle, Fill);
    }

    /// <summary>
    /// The image rotated counter-clockwise by <paramref name="degrees"/> about its centre. Each output pixel centre is
    /// mapped back into the input and interpolated from its four neighbours, with neighbours outside the image
    /// counting as <paramref name="fill"/>: grid_sample (align_corners=False) of the image minus fill, plus fill.
    /// torchvision instead blends the fill in by a sampled mask, which also darkens edge pixels; inside the image
    /// the two agree.
    /// </summary>
    public static Tensor Rotate(Tensor input, double degrees, float fill = 0)
    {
        using var img = new ImagePlanes(input, "Rotate");
        int h = img.Height, w = img.Width;
        var output = img.New(h, w);
        var src = img.Pixels;
        var dst = output.Span<float>();
        double rad = degrees * Math.PI / 180, cos = Math.Cos(rad), sin = Math.Sin(rad);
        double cx = (w - 1) * 0.5, cy = (h - 1) * 0.5;
        for (int y = 0; y < h; y++)
        {
            double dy = y - cy;
            for (int x = 0; x < w; x++)
            {
                double dx = x - cx;
                // The inverse rotation (clockwise on screen, where y points down) finds the source point.
                float sx = (float)(dx * cos - dy * sin + cx), sy = (float)(dx * sin + dy * cos + cy);
                int x0 = (int)MathF.Floor(sx), y0 = (int)MathF.Floor(sy);
                float fx = sx - x0, fy = sy - y0;
                for (int p = 0; p < img.Planes; p++)
                {
                    var plane = src.Slice(p * h * w, h * w);
                    float v00 = At(plane, x0, y0, w, h, fill), v01 = At(plane, x0 + 1, y0, w, h, fill);
                    float v10 = At(plane, x0, y0 + 1, w, h, fill), v11 = At(plane, x0 + 1, y0 + 1, w, h, fill);
                    float top = v00 + (v01 - v00) * fx, bottom = v10 + (v11 - v10) * fx;
                    dst[(p * h + y) * w + x] = top + (bottom - top) * fy;
                }
            }
        }
        return output;
    }

    static float At(ReadOnlySpan<float> plane, int x, int y, int w, int h, float fill)
        => (uint)x < (uint)w && (uint)y < (uint)h ? plane[y * w + x] : fill;
}
