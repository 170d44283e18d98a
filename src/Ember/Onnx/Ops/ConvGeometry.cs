namespace Ember.Onnx.Ops;

/// <summary>
/// The window geometry shared by Conv and the pools: kernel, strides, dilations and the begin/end
/// pads per spatial axis, resolved from 'pads' or 'auto_pad' (SAME_UPPER puts the odd pad at the end).
/// </summary>
internal sealed record WindowGeometry(int[] Kernel, int[] Strides, int[] Dilations, int[] PadBegin, int[] PadEnd)
{
    public int Rank => Kernel.Length;
    public bool SymmetricPads => PadBegin.SequenceEqual(PadEnd);

    public static WindowGeometry Resolve(OnnxNode node, int[] spatial, int[] kernel)
    {
        int r = kernel.Length;
        var strides = node.Ints32("strides") ?? Enumerable.Repeat(1, r).ToArray();
        var dilations = node.Ints32("dilations") ?? Enumerable.Repeat(1, r).ToArray();
        if (strides.Length != r || dilations.Length != r)
            throw node.Error($"has strides [{string.Join(", ", strides)}] and dilations [{string.Join(", ", dilations)}] for a {r}-d window; expected {r} values each");
        if (strides.Any(s => s < 1) || dilations.Any(d => d < 1))
            throw node.Error($"has strides [{string.Join(", ", strides)}] and dilations [{string.Join(", ", dilations)}]; all must be positive");
        var begin = new int[r];
        var end = new int[r];
        string autoPad = node.String("auto_pad", "NOTSET");
        switch (autoPad)
        {
            case "NOTSET":
                if (node.Ints32("pads") is { } pads)
                {
                    if (pads.Length != 2 * r) throw node.Error($"has pads [{string.Join(", ", pads)}]; expected {2 * r} values for a {r}-d window");
                    if (pads.Any(p => p < 0)) throw node.Error($"has negative pads [{string.Join(", ", pads)}]");
                    Array.Copy(pads, 0, begin, 0, r);
                    Array.Copy(pads, r, end, 0, r);
                }
                break;
            case "VALID":
                break;
            case "SAME_UPPER":
            case "SAME_LOWER":
                for (int i = 0; i < r; i++)
                {
                    int output = (spatial[i] + strides[i] - 1) / strides[i];
                    int total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - spatial[i]);
                    begin[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
                break;
            default:
                throw node.Error($"has auto_pad '{autoPad}'; expected NOTSET, SAME_UPPER, SAME_LOWER or VALID");
        }
        return new WindowGeometry(kernel, strides, dilations, begin, end);
    }

    /// <summary>The (before, after) pairs for Tensor.Pad, last axis first, padding only the spatial axes.</summary>
    public int[] PadPairs()
    {
        var p = new int[2 * Rank];
        for (int i = 0; i < Rank; i++) { p[2 * i] = PadBegin[Rank - 1 - i]; p[2 * i + 1] = PadEnd[Rank - 1 - i]; }
        return p;
    }
}
