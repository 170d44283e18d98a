namespace Ember.Data;

/// <summary>
/// Pads the image by <c>padding</c> on every side with <c>fill</c>, then cuts a (height, width) window at a random
/// position (torchvision's RandomCrop with constant padding). The padded image is never materialised.
/// </summary>
public sealed class RandomCrop : ITransform
{
    public RandomCrop(int size, int padding = 0, float fill = 0) : this((size, size), padding, fill) { }

    public RandomCrop((int Height, int Width) size, int padding = 0, float fill = 0)
    {
        if (size.Height <= 0 || size.Width <= 0)
            throw new ArgumentOutOfRangeException(nameof(size), $"RandomCrop: size ({size.Height}, {size.Width}) must be positive.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"RandomCrop: padding {padding} must not be negative.");
        Size = size;
        Padding = padding;
        Fill = fill;
    }

    public (int Height, int Width) Size { get; }
    public int Padding { get; }
    public float Fill { get; }

    public Tensor Apply(Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(generator);
        using var img = new ImagePlanes(input, "RandomCrop");
        int ph = img.Height + 2 * Padding, pw = img.Width + 2 * Padding;
        if (Size.Height > ph || Size.Width > pw)
            throw new ArgumentException($"RandomCrop: a crop of ({Size.Height}, {Size.Width}) does not fit an image of shape {Shapes.Format(input.shape)} padded by {Padding}.");
        int top = (int)generator.NextInt64(0, ph - Size.Height + 1);
        int left = (int)generator.NextInt64(0, pw - Size.Width + 1);
        return Crop(img, top - Padding, left - Padding, Size.Height, Size.Width, Fill);
    }

    /// <summary>The window of the given size whose top-left corner is at (top, left); pixels outside the image are <paramref name="fill"/>.</summary>
    public static Tensor Crop(Tensor input, int top, int left, int height, int width, float fill = 0)
    {
        if (height <= 0 || width <= 0)
            throw new ArgumentOutOfRangeException(nameof(height), $"Crop: size ({height}, {width}) must be positive.");
        using var img = new ImagePlanes(input, "Crop");
        return Crop(img, top, left, height, width, fill);
    }

    static Tensor Crop(in ImagePlanes img, int top, int left, int height, int width, float fill)
    {
        var output = img.New(height, width);
        var src = img.Pixels;
        var dst = output.Span<float>();
        int h = img.Height, w = img.Width;
        // The columns of the window that fall inside the image: [x0, x1) in output coordinates.
        int x0 = Math.Clamp(-left, 0, width), x1 = Math.Clamp(w - left, x0, width);
        for (int p = 0; p < img.Planes; p++)
            for (int y = 0; y < height; y++)
            {
                var row = dst.Slice((p * height + y) * width, width);
                int sy = top + y;
                if (sy < 0 || sy >= h) { row.Fill(fill); continue; }
                row[..x0].Fill(fill);
                src.Slice((p * h + sy) * w + left + x0, x1 - x0).CopyTo(row[x0..x1]);
                row[x1..].Fill(fill);
            }
        return output;
    }
}
