using Ember.Training;
using SkiaSharp;

namespace Ember.Imaging;

/// <summary>
/// Reading and writing image files as [C, H, W] tensors (PNG, JPEG, WebP, BMP, GIF in; PNG out), like
/// torchvision.io. Loading this class also makes <see cref="SummaryWriter.AddImage(string, Tensor, long, double?)"/>
/// accept tensors.
/// </summary>
public static class ImageIO
{
    static ImageIO()
    {
        SummaryWriter.ImageEncoder ??= EncodePng;
    }

    /// <summary>
    /// Makes <see cref="SummaryWriter"/> encode image tensors with <see cref="EncodePng"/> (it also finds
    /// it by itself when Ember.Vision is deployed; call this to be explicit).
    /// </summary>
    public static void RegisterWithSummaryWriter() => SummaryWriter.ImageEncoder = EncodePng;

    /// <summary>
    /// The PNG file of a [C, H, W] (or [H, W]) image: C = 1 grayscale, 3 RGB, 4 RGBA; Float32/Float64 values
    /// in [0, 1] (clamped) or UInt8.
    /// </summary>
    public static byte[] EncodePng(Tensor image)
    {
        using var bitmap = ImagePixels.ToBitmap(image, "ImageIO.EncodePng");
        return EncodeBitmap(bitmap, "ImageIO.EncodePng");
    }

    internal static byte[] EncodeBitmap(SKBitmap bitmap, string op)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException($"{op}: Skia could not encode the {bitmap.Width}x{bitmap.Height} {bitmap.ColorType} image as PNG.");
        return data.ToArray();
    }

    /// <summary>Writes <paramref name="image"/> (see <see cref="EncodePng"/>) as a PNG file, creating its folder.</summary>
    public static void SavePng(Tensor image, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = EncodePng(image);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
            Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, png);
    }

    /// <summary>
    /// Reads an image file as a UInt8 [C, H, W] tensor, like torchvision.io.read_image: C = 1 for grayscale
    /// files, 4 for files with transparency, 3 otherwise.
    /// </summary>
    public static Tensor LoadImage(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"ImageIO.LoadImage: no file at '{path}'.", path);
        return DecodeImage(File.ReadAllBytes(path), $"ImageIO.LoadImage('{path}')");
    }

    /// <summary>Decodes the bytes of an image file; see <see cref="LoadImage"/>.</summary>
    public static Tensor DecodeImage(byte[] encoded) => DecodeImage(encoded, "ImageIO.DecodeImage");

    static Tensor DecodeImage(byte[] encoded, string op)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        using var data = SKData.CreateCopy(encoded);
        using var codec = SKCodec.Create(data)
            ?? throw new ArgumentException($"{op}: the {encoded.Length} bytes are not an image format Skia can read (PNG, JPEG, WebP, BMP, GIF).", nameof(encoded));
        var source = codec.Info;
        int channels = source.ColorType == SKColorType.Gray8 ? 1 : source.AlphaType == SKAlphaType.Opaque ? 3 : 4;
        var info = channels == 1
            ? new SKImageInfo(source.Width, source.Height, SKColorType.Gray8, SKAlphaType.Opaque)
            : new SKImageInfo(source.Width, source.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new ArgumentException($"{op}: decoding the {source.Width}x{source.Height} image failed ({result}).", nameof(encoded));
        return ImagePixels.FromBitmap(bitmap, channels);
    }
}
