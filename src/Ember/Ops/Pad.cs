using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Constant padding, torch.nn.functional.pad's default mode.</summary>
public partial class Tensor
{
    /// <summary>
    /// Pads with <paramref name="value"/>: <paramref name="pad"/> holds (before, after) pairs starting
    /// from the last dim, so [1, 2] pads the last dim by 1 in front and 2 behind, and [1, 2, 0, 3]
    /// also pads the second-to-last by 3 behind. Negative amounts crop instead.
    /// </summary>
    public Tensor Pad(int[] pad, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pad);
        Live("Pad");
        if (pad.Length % 2 != 0)
            throw new ArgumentException($"Pad: the padding [{string.Join(", ", pad)}] must come in (before, after) pairs, but has {pad.Length} values.");
        if (pad.Length / 2 > Rank)
            throw new ArgumentException($"Pad: the padding [{string.Join(", ", pad)}] covers {pad.Length / 2} dims, but the tensor of shape {Shapes.Format(shape)} has only {Rank}.");

        var outShape = (int[])shape.Clone();
        // Where to read from this tensor and where to write in the result, per dim.
        var srcStart = new int[Rank];
        var dstStart = new int[Rank];
        var length = (int[])shape.Clone();
        for (int p = 0; p < pad.Length / 2; p++)
        {
            int d = Rank - 1 - p;
            long before = pad[2 * p], after = pad[2 * p + 1];
            long size = shape[d] + before + after;
            if (size < 0)
                throw new ArgumentException(
                    $"Pad: dim {d} of size {shape[d]} padded by ({before}, {after}) would have negative size {size} (shape {Shapes.Format(shape)}, padding [{string.Join(", ", pad)}]).");
            outShape[d] = checked((int)size);
            srcStart[d] = (int)Math.Max(0, -before);
            dstStart[d] = (int)Math.Max(0, before);
            length[d] = (int)Math.Max(0, shape[d] - Math.Max(0, -before) - Math.Max(0, -after));
        }

        var y = Full(outShape, value, DType);
        if (Shapes.Count(length) > 0)
        {
            using var from = RegionRaw(this, srcStart, length);
            using var to = RegionRaw(y, dstStart, length);
            StridedCopy.Copy(from, to);
        }
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new PadBackward((int[])pad.Clone()), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.JoiningOps.ExportPad(onnx, this, y, pad, value);
        return y;
    }

    /// <summary>The box of <paramref name="length"/> elements starting at <paramref name="start"/> (a view without autograd).</summary>
    static Tensor RegionRaw(Tensor t, int[] start, int[] length)
    {
        long off = t.offset;
        for (int d = 0; d < t.Rank; d++) off += start[d] * t.strides[d];
        return new Tensor(t.storage, t.DType, (int[])length.Clone(), t.strides, off);
    }

    sealed class PadBackward(int[] pad) : Node
    {
        // Padding the gradient by the opposite amounts crops what was added and zero-fills what was cropped.
        protected internal override Tensor?[] Backward(Tensor g) => [g.Pad(pad.Select(p => -p).ToArray())];
    }
}
