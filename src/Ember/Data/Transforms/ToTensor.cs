namespace Ember.Data;

/// <summary>
/// UInt8 pixels → Float32 [C, H, W] in [0, 1] (torchvision's ToTensor). A [H, W] image becomes [1, H, W]; a 3-d one
/// is read as [H, W, C] when <c>channelsLast</c> (the layout of decoded images) and as [C, H, W] otherwise.
/// A Float32 input is returned unchanged.
/// </summary>
public sealed class ToTensor(bool channelsLast = true) : ITransform
{
    public bool ChannelsLast { get; } = channelsLast;

    public Tensor Apply(Tensor input, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Live("ToTensor");
        if (input.DType == DType.Float32) return input;
        if (input.DType != DType.UInt8 || input.Rank is < 2 or > 3)
            throw new ArgumentException($"ToTensor: expected UInt8 pixels of shape [H, W], [H, W, C] or [C, H, W] but got {input.DType} {Shapes.Format(input.shape)}.");
        using var copy = input.IsContiguous ? null : input.Contiguous();
        var src = (copy ?? input).Span<byte>();
        int c, h, w;
        if (input.Rank == 2) (c, h, w) = (1, input.shape[0], input.shape[1]);
        else if (ChannelsLast) (c, h, w) = (input.shape[2], input.shape[0], input.shape[1]);
        else (c, h, w) = (input.shape[0], input.shape[1], input.shape[2]);
        var output = Tensor.Allocate([c, h, w], DType.Float32);
        FromBytes(src, output.Span<float>(), c, h * w, ChannelsLast && input.Rank == 3);
        return output;
    }

    // b / 255 for every byte, computed once: exactly torchvision's division, at the cost of a lookup.
    static readonly float[] Scaled = Enumerable.Range(0, 256).Select(b => b / 255f).ToArray();

    /// <summary>Scales bytes to [0, 1]; interleaved (HWC) bytes are split into planes.</summary>
    internal static void FromBytes(ReadOnlySpan<byte> src, Span<float> dst, int channels, int planeSize, bool interleaved)
    {
        var table = Scaled;
        if (!interleaved || channels == 1)
        {
            for (int i = 0; i < src.Length; i++) dst[i] = table[src[i]];
            return;
        }
        for (int ch = 0; ch < channels; ch++)
        {
            var plane = dst.Slice(ch * planeSize, planeSize);
            for (int p = 0, s = ch; p < planeSize; p++, s += channels) plane[p] = table[src[s]];
        }
    }
}
