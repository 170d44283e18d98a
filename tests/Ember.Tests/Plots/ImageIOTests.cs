using Ember.Imaging;
using Ember.Tests.TensorBoard;
using Xunit;

namespace Ember.Tests.Plots;

public class ImageIOTests
{
    static byte[] RandomBytes(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(1, 0)]   // PNG colour type 0: grayscale
    [InlineData(3, 2)]   // 2: RGB
    [InlineData(4, 6)]   // 6: RGBA
    public void ByteImagesRoundTripExactly(int channels, int pngColourType)
    {
        byte[] data = RandomBytes(channels * 9 * 13, channels);
        if (channels == 4)
        {
            // Fully transparent pixels carry no colour in PNG; keep alpha above zero.
            for (int i = 3 * 9 * 13; i < data.Length; i++)
                data[i] = (byte)Math.Max((int)data[i], 1);
        }
        using var image = Tensor.FromArray(data, channels, 9, 13);
        byte[] png = ImageIO.EncodePng(image);
        Assert.Equal(pngColourType, png[25]);
        using var decoded = ImageIO.DecodeImage(png);
        Assert.Equal(DType.UInt8, decoded.DType);
        Assert.Equal([channels, 9, 13], decoded.Shape);
        Assert.Equal(data, decoded.ToArray<byte>());
    }

    [Fact]
    public void FloatImagesAreScaledBy255AndClamped()
    {
        float[] values = [0f, 0.5f, 1f, -0.25f, 1.5f, 0.2f, float.NaN, 0.999f, 0.001f, 0.25f, 0.75f, 0.1f];
        using var image = Tensor.FromArray(values, 3, 2, 2);
        using var decoded = ImageIO.DecodeImage(ImageIO.EncodePng(image));
        byte[] expected = values.Select(v => (byte)MathF.Round(float.IsNaN(v) ? 0 : Math.Clamp(v, 0, 1) * 255)).ToArray();
        Assert.Equal(expected, decoded.ToArray<byte>());

        using var gray = Tensor.FromArray(new double[] { 0, 1, 0.5, 0.25 }, 2, 2);
        using var grayDecoded = ImageIO.DecodeImage(ImageIO.EncodePng(gray));
        Assert.Equal([1, 2, 2], grayDecoded.Shape);
        Assert.Equal(new byte[] { 0, 255, 128, 64 }, grayDecoded.ToArray<byte>());
    }

    [Fact]
    public void SavePngAndLoadImageUseFiles()
    {
        using var dir = new TempFolder();
        string path = Path.Combine(dir.Path, "nested", "image.png");
        using var image = Tensor.Rand([3, 17, 11], new Generator(9));
        ImageIO.SavePng(image, path);
        using var loaded = ImageIO.LoadImage(path);
        Assert.Equal([3, 17, 11], loaded.Shape);
        byte[] expected = image.ToArray<float>().Select(v => (byte)MathF.Round(v * 255)).ToArray();
        Assert.Equal(expected, loaded.ToArray<byte>());
    }

    [Fact]
    public void BadImagesAreRefusedWithAClearMessage()
    {
        using var twoChannels = Tensor.Zeros(2, 4, 4);
        Assert.Contains("[2, 4, 4]", Assert.Throws<ArgumentException>(() => ImageIO.EncodePng(twoChannels)).Message);
        using var longs = Tensor.FromArray(new long[] { 1, 2, 3, 4 }, 1, 2, 2);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => ImageIO.EncodePng(longs)).Message);
        using var empty = Tensor.Zeros(3, 0, 4);
        Assert.Contains("no pixels", Assert.Throws<ArgumentException>(() => ImageIO.EncodePng(empty)).Message);
        Assert.Contains("not an image", Assert.Throws<ArgumentException>(() => ImageIO.DecodeImage(RandomBytes(64, 1))).Message);
        Assert.Throws<FileNotFoundException>(() => ImageIO.LoadImage("/nonexistent/ember/image.png"));
    }
}
