using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Ember.Training.TensorBoard.Protos;
using Google.Protobuf;

namespace Ember.Training;

public sealed partial class SummaryWriter
{
    static Func<Tensor, byte[]>? imageEncoder;
    static bool visionProbed;
    static readonly object encoderGate = new();

    /// <summary>
    /// Turns a [C, H, W] image tensor into PNG bytes for <see cref="AddImage(string, Tensor, long, double?)"/>.
    /// The core library has no image codec; Ember.Vision's ImageIO sets this when it loads (and is loaded
    /// on first use when it sits beside Ember), or set your own.
    /// </summary>
    public static Func<Tensor, byte[]>? ImageEncoder
    {
        get { lock (encoderGate) return imageEncoder; }
        set { lock (encoderGate) imageEncoder = value; }
    }

    /// <summary>Logs an image given as the bytes of a PNG file.</summary>
    public void AddImage(string tag, ReadOnlySpan<byte> png, long step, double? wallTime = null)
    {
        CheckTag(tag, nameof(AddImage));
        var (width, height, colorspace) = ReadPngHeader(png, tag);
        var image = new Summary.Types.Image
        {
            Width = width, Height = height, Colorspace = colorspace,
            EncodedImageString = ByteString.CopyFrom(png),
        };
        Write(main, step, wallTime, new Summary.Types.Value { Tag = tag, Image = image });
    }

    /// <summary>
    /// Logs a [C, H, W] image tensor (C = 1, 3 or 4; float in [0, 1] or UInt8), encoded to PNG by
    /// <see cref="ImageEncoder"/>.
    /// </summary>
    public void AddImage(string tag, Tensor image, long step, double? wallTime = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        var encoder = FindImageEncoder() ?? throw new InvalidOperationException(
            $"SummaryWriter.AddImage: no PNG encoder for the tensor of shape [{string.Join(", ", image.Shape)}] under tag '{tag}'; " +
            "reference Ember.Vision (its ImageIO registers one), set SummaryWriter.ImageEncoder, or pass PNG bytes.");
        AddImage(tag, encoder(image), step, wallTime);
    }

    static Func<Tensor, byte[]>? FindImageEncoder()
    {
        if (ImageEncoder is { } encoder)
            return encoder;
        // Ember.Vision registers its encoder in ImageIO's static constructor; run it once if the assembly
        // is deployed with the application (a benign race: a second run of a static constructor is a no-op).
        if (!Volatile.Read(ref visionProbed))
        {
            Volatile.Write(ref visionProbed, true);
            try
            {
                if (Type.GetType("Ember.Imaging.ImageIO, Ember.Vision", throwOnError: false) is { } type)
                    RuntimeHelpers.RunClassConstructor(type.TypeHandle);
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or TypeInitializationException)
            {
            }
        }
        return ImageEncoder;
    }

    /// <summary>Width, height and TensorBoard colorspace from a PNG's IHDR chunk.</summary>
    static (int Width, int Height, int Colorspace) ReadPngHeader(ReadOnlySpan<byte> png, string tag)
    {
        ReadOnlySpan<byte> signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        if (png.Length < 33 || !png[..8].SequenceEqual(signature) || !png[12..16].SequenceEqual("IHDR"u8))
            throw new ArgumentException($"SummaryWriter.AddImage: the {png.Length} bytes for tag '{tag}' are not a PNG file (no PNG signature and IHDR chunk).", nameof(png));
        int width = BinaryPrimitives.ReadInt32BigEndian(png[16..]);
        int height = BinaryPrimitives.ReadInt32BigEndian(png[20..]);
        int colorspace = png[25] switch
        {
            0 => 1,     // grayscale
            4 => 2,     // grayscale + alpha
            2 or 3 => 3, // RGB, palette
            6 => 4,     // RGBA
            var t => throw new ArgumentException($"SummaryWriter.AddImage: the PNG for tag '{tag}' has unknown colour type {t}.", nameof(png)),
        };
        return (width, height, colorspace);
    }
}
