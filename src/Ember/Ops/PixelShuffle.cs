namespace Ember;

/// <summary>
/// Sub-pixel rearrangement between channels and space, as torch.nn.functional.pixel_shuffle and
/// pixel_unshuffle: a reshape, a permute, one copy into the new order and a reshape, so the gradients
/// are those of the views. Both reshapes act on contiguous tensors (the input is made contiguous
/// first, a no-op when it already is), so they never depend on Reshape's view rules for strided layouts.
/// </summary>
public partial class Tensor
{
    /// <summary>[*, C·r², H, W] → [*, C, H·r, W·r]: each group of r² channels becomes an r × r block of pixels.</summary>
    public Tensor PixelShuffle(int upscaleFactor)
    {
        const string op = "PixelShuffle";
        int r = upscaleFactor;
        CheckPixelShuffleInput(op, r, "upscaleFactor");
        int c = shape[^3], h = shape[^2], w = shape[^1];
        if (c % (r * r) != 0)
            throw new ArgumentException($"{op}: the {c} channels of input shape {Shapes.Format(shape)} are not divisible by upscaleFactor² = {r * r}.");
        var batch = shape[..^3];
        int oc = c / (r * r), b = batch.Length;
        using var xc = Contiguous();
        using var split = xc.Reshape([.. batch, oc, r, r, h, w]);
        using var moved = split.Permute([.. Enumerable.Range(0, b), b, b + 3, b + 1, b + 4, b + 2]);
        using var packed = moved.Contiguous();
        return packed.Reshape([.. batch, oc, h * r, w * r]);
    }

    /// <summary>[*, C, H·r, W·r] → [*, C·r², H, W]: the inverse of PixelShuffle.</summary>
    public Tensor PixelUnshuffle(int downscaleFactor)
    {
        const string op = "PixelUnshuffle";
        int r = downscaleFactor;
        CheckPixelShuffleInput(op, r, "downscaleFactor");
        int c = shape[^3], h = shape[^2], w = shape[^1];
        if (h % r != 0 || w % r != 0)
            throw new ArgumentException(
                $"{op}: the height {h} and width {w} of input shape {Shapes.Format(shape)} must both be divisible by downscaleFactor {r}.");
        var batch = shape[..^3];
        int oh = h / r, ow = w / r, b = batch.Length;
        using var xc = Contiguous();
        using var split = xc.Reshape([.. batch, c, oh, r, ow, r]);
        using var moved = split.Permute([.. Enumerable.Range(0, b), b, b + 2, b + 4, b + 1, b + 3]);
        using var packed = moved.Contiguous();
        return packed.Reshape([.. batch, c * r * r, oh, ow]);
    }

    void CheckPixelShuffleInput(string op, int factor, string name)
    {
        Live(op);
        if (factor < 1) throw new ArgumentException($"{op}: {name} must be positive, got {factor}.");
        if (Rank < 3)
            throw new ArgumentException($"{op}: expected an input of at least 3 dims [*, C, H, W], got shape {Shapes.Format(shape)}.");
    }
}
