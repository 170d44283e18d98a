using System.Numerics.Tensors;

namespace Ember.Data;

/// <summary>(x − mean[c]) / std[c] per channel of a [C, H, W] image (torchvision's Normalize); one value applies to every channel.</summary>
public sealed class Normalize : IInPlaceTransform
{
    readonly float[] mean, std;

    public Normalize(float[] mean, float[] std)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Length == 0 || mean.Length != std.Length)
            throw new ArgumentException($"Normalize: mean has {mean.Length} values and std has {std.Length}; give one value per channel for both.");
        foreach (float s in std)
            if (!(s != 0) || !float.IsFinite(s))
                throw new ArgumentException($"Normalize: std [{string.Join(", ", std)}] must be finite and non-zero (it divides).");
        this.mean = (float[])mean.Clone();
        this.std = (float[])std.Clone();
    }

    public Normalize(float mean, float std) : this([mean], [std]) { }

    public Tensor Apply(Tensor input, Generator generator)
    {
        using var img = new ImagePlanes(input, "Normalize");
        int c = img.Planes, plane = img.Height * img.Width;
        CheckChannels(input);
        var output = img.New(img.Height, img.Width);
        Run(img.Pixels, output.Span<float>(), c, plane);
        return output;
    }

    public void ApplyInPlace(Tensor image, Generator generator)
    {
        using var img = new ImagePlanes(image, "Normalize");
        CheckChannels(image);
        var pixels = image.Span<float>();
        Run(pixels, pixels, img.Planes, img.Height * img.Width);
        image.BumpVersion();
    }

    void CheckChannels(Tensor input)
    {
        if (mean.Length != 1 && (input.Rank != 3 || input.shape[0] != mean.Length))
            throw new ArgumentException($"Normalize: {mean.Length} means and stds do not fit an image of shape {Shapes.Format(input.shape)}; expected [{mean.Length}, H, W].");
    }

    void Run(ReadOnlySpan<float> src, Span<float> dst, int c, int plane)
    {
        for (int p = 0; p < c; p++)
        {
            // Subtract, then divide, as torchvision does, so the results agree to the last bit.
            var d = dst.Slice(p * plane, plane);
            TensorPrimitives.Subtract(src.Slice(p * plane, plane), mean[mean.Length == 1 ? 0 : p], d);
            TensorPrimitives.Divide(d, std[std.Length == 1 ? 0 : p], d);
        }
    }
}
