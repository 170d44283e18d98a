using SkiaSharp;

namespace Ember.Data;

/// <summary>Decodes PNG and JPEG files with SkiaSharp into Float32 [C, H, W] tensors in [0, 1].</summary>
public static class ImageDecoder
{
    /// <summary>
    /// Reads an image as 1 (grayscale, ITU-R 601 luma as PIL's convert("L")), 3 (RGB) or 4 (RGBA, unpremultiplied)
    /// channels. An unreadable file is an <see cref="InvalidDataException"/> naming it.
    /// </summary>
    public static Tensor Load(string path, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (channels is not (1 or 3 or 4))
            throw new ArgumentOutOfRangeException(nameof(channels), $"ImageDecoder: {channels} channels were asked for; use 1 (grayscale), 3 (RGB) or 4 (RGBA).");
        if (!File.Exists(path)) throw new FileNotFoundException($"ImageDecoder: there is no file '{path}'.", path);
        using var codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"ImageDecoder: '{path}' is not an image SkiaSharp can read (PNG or JPEG expected).");
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"ImageDecoder: '{path}' could not be decoded ({result}).");
        return FromRgba(bitmap.GetPixelSpan(), info.Width, info.Height, channels);
    }

    /// <summary>Interleaved RGBA bytes → Float32 [channels, H, W] in [0, 1].</summary>
    internal static Tensor FromRgba(ReadOnlySpan<byte> rgba, int width, int height, int channels)
    {
        int plane = width * height;
        var data = new float[channels * plane];
        const float scale = 1f / 255f;
        for (int p = 0; p < plane; p++)
        {
            int s = 4 * p;
            if (channels == 1)
            {
                // PIL's integer luma: L = (R·299 + G·587 + B·114) / 1000, rounded down.
                data[p] = (rgba[s] * 299 + rgba[s + 1] * 587 + rgba[s + 2] * 114) / 1000 * scale;
                continue;
            }
            for (int c = 0; c < channels; c++) data[c * plane + p] = rgba[s + c] * scale;
        }
        return Tensor.FromArray(data, channels, height, width);
    }
}
