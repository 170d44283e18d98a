using System.Globalization;
using System.Text.RegularExpressions;
using Ember.Data;
using Ember.Imaging;

namespace Ember.Cli.Runs;

/// <summary>
/// The inputs of `ember predict`: an image file (PNG, JPEG, …; colour is converted to gray, other sizes are resized
/// to 28×28, and a light background is inverted to Fashion-MNIST's light-on-black) or a sample of the data set
/// written "test:17" or "train:5". Each becomes a [1, 28, 28] image in [0, 1], with its label when known.
/// </summary>
internal static partial class ImageInput
{
    [GeneratedRegex(@"^(test|train):(\d+)$")]
    private static partial Regex SampleReference();

    /// <summary>Whether <paramref name="input"/> names a data-set sample rather than a file.</summary>
    public static bool IsSample(string input) => SampleReference().IsMatch(input) && !File.Exists(input);

    /// <summary>A data-set sample: the image in [0, 1] and its label.</summary>
    public static (Tensor Image, long Label) Sample(string input, Func<bool, MnistDataset> split)
    {
        var m = SampleReference().Match(input);
        bool train = m.Groups[1].Value == "train";
        var set = split(train);
        if (!int.TryParse(m.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || index >= set.Count)
            throw new ArgumentException($"'{input}': the {(train ? "training" : "test")} set has images 0 to {set.Count - 1}.");
        return set.Get(index);
    }

    /// <summary>An image file as Fashion-MNIST's model input: gray, 28×28, light on black, in [0, 1].</summary>
    public static Tensor File28(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' is neither an image file nor a sample like test:17.", path);
        using var raw = ImageIO.LoadImage(path);
        int c = raw.Shape[0], h = raw.Shape[1], w = raw.Shape[2];
        var bytes = raw.ToArray<byte>();
        var gray = new float[h * w];
        for (int i = 0; i < gray.Length; i++)
        {
            if (c < 3) { gray[i] = bytes[i] / 255f; continue; }
            // ITU-R 601 luma, as PIL's convert("L").
            float y = (0.299f * bytes[i] + 0.587f * bytes[h * w + i] + 0.114f * bytes[2 * h * w + i]) / 255f;
            // Transparent pixels count as background (black), as in Fashion-MNIST.
            gray[i] = c == 4 ? y * bytes[3 * h * w + i] / 255f : y;
        }
        if (BorderMean(gray, h, w) > 0.5f)
            for (int i = 0; i < gray.Length; i++) gray[i] = 1 - gray[i];
        using var image = Tensor.FromArray(gray, 1, 1, h, w);
        if (h == 28 && w == 28) return image.Reshape(1, 28, 28);
        // Shrinking averages whole areas (no aliasing); enlarging interpolates.
        using var resized = h >= 28 && w >= 28 ? image.AdaptiveAvgPool2d([28, 28]) : image.Interpolate([28, 28], mode: "bilinear", alignCorners: false);
        return resized.Reshape(1, 28, 28);
    }

    static float BorderMean(float[] g, int h, int w)
    {
        double sum = 0;
        int n = 0;
        for (int x = 0; x < w; x++) { sum += g[x] + g[(h - 1) * w + x]; n += 2; }
        for (int y = 0; y < h; y++) { sum += g[y * w] + g[y * w + w - 1]; n += 2; }
        return (float)(sum / n);
    }
}
