using SkiaSharp;

namespace Ember.Imaging;

/// <summary>Conversions between [C, H, W] image tensors and Skia bitmaps.</summary>
internal static class ImagePixels
{
    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// A bitmap of a [C, H, W] (or [H, W]) image: C = 1 grayscale, 3 RGB, 4 RGBA; float values in [0, 1]
    /// (clamped) or UInt8 values in [0, 255].
    /// </summary>
    public static SKBitmap ToBitmap(Tensor image, string op)
    {
        ArgumentNullException.ThrowIfNull(image);
        int[] shape = image.Shape;
        if (shape.Length == 2)
            shape = [1, shape[0], shape[1]];
        if (shape.Length != 3 || shape[0] is not (1 or 3 or 4))
            throw new ArgumentException($"{op}: expected an image of shape [C, H, W] with C = 1 (gray), 3 (RGB) or 4 (RGBA), got {Format(image.Shape)}.", nameof(image));
        int channels = shape[0], height = shape[1], width = shape[2];
        if (height == 0 || width == 0)
            throw new ArgumentException($"{op}: the image of shape {Format(image.Shape)} has no pixels.", nameof(image));

        byte[] bytes = ToBytes(image, op);
        var info = channels == 1
            ? new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(width, height, SKColorType.Rgba8888, channels == 4 ? SKAlphaType.Unpremul : SKAlphaType.Opaque);
        var bitmap = new SKBitmap(info);
        int plane = height * width;
        var pixels = bitmap.GetPixelSpan();
        if (channels == 1)
            bytes.AsSpan().CopyTo(pixels);
        else
        {
            // Planar CHW to interleaved RGBA.
            for (int p = 0; p < plane; p++)
            {
                pixels[4 * p] = bytes[p];
                pixels[4 * p + 1] = bytes[plane + p];
                pixels[4 * p + 2] = bytes[2 * plane + p];
                pixels[4 * p + 3] = channels == 4 ? bytes[3 * plane + p] : (byte)255;
            }
        }
        bitmap.NotifyPixelsChanged();
        return bitmap;
    }

    /// <summary>The image's values as bytes, row-major: UInt8 as is, floats scaled by 255 and rounded.</summary>
    static byte[] ToBytes(Tensor image, string op)
    {
        using var noGrad = Autograd.NoGrad();
        switch (image.DType)
        {
            case DType.UInt8:
                return image.ToArray<byte>();
            case DType.Float32 or DType.Float64:
                using (var asFloat = image.To(DType.Float32))
                {
                    float[] values = asFloat.ToArray<float>();
                    var bytes = new byte[values.Length];
                    for (int i = 0; i < values.Length; i++)
                    {
                        float v = values[i];
                        // NaN becomes 0, like a clamp that does not know it.
                        bytes[i] = (byte)MathF.Round(float.IsNaN(v) ? 0 : Math.Clamp(v, 0f, 1f) * 255f);
                    }
                    return bytes;
                }
            default:
                throw new ArgumentException($"{op}: images must be Float32 or Float64 in [0, 1], or UInt8; got {image.DType} of shape {Format(image.Shape)}.", nameof(image));
        }
    }

    /// <summary>A UInt8 [C, H, W] tensor of a decoded bitmap: C = 1 for grayscale, 4 with alpha, else 3.</summary>
    public static Tensor FromBitmap(SKBitmap bitmap, int channels)
    {
        int height = bitmap.Height, width = bitmap.Width, plane = height * width;
        var data = new byte[channels * plane];
        var pixels = bitmap.GetPixelSpan();
        if (channels == 1)
            pixels[..plane].CopyTo(data);
        else
        {
            for (int p = 0; p < plane; p++)
                for (int c = 0; c < channels; c++)
                    data[c * plane + p] = pixels[4 * p + c];
        }
        return Tensor.FromArray(data, channels, height, width);
    }
}
