using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// Resampling of [N, C, L] and [N, C, H, W] tensors to a new spatial size, as torch.nn.functional.interpolate:
/// "nearest" (3-d or 4-d), "linear" (3-d) and "bilinear" (4-d), with PyTorch's index rules, including how a
/// scale factor sets the output size (⌊in·scale⌋) and the sampling step (1/scale) unless recomputed.
/// </summary>
public partial class Tensor
{
    /// <summary>
    /// Resamples the spatial dims to <paramref name="size"/> or by <paramref name="scaleFactor"/> (give exactly one;
    /// one value applies to every spatial dim). <paramref name="alignCorners"/> (linear modes only, default false)
    /// maps corner cells onto corner cells; <paramref name="recomputeScaleFactor"/> samples with in/out instead of 1/scale.
    /// </summary>
    public Tensor Interpolate(int[]? size = null, double[]? scaleFactor = null, string mode = "nearest", bool? alignCorners = null, bool? recomputeScaleFactor = null)
    {
        const string op = "Interpolate";
        Live(op);
        ArgumentNullException.ThrowIfNull(mode);
        if (Rank is not (3 or 4))
            throw new ArgumentException($"{op}: expected a [N, C, L] or [N, C, H, W] input, got shape {Shapes.Format(shape)}.");
        if (!DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input, got {DType}; call .To(DType.Float32) first.");
        bool linear = mode switch
        {
            "nearest" => false,
            "linear" when Rank == 3 => true,
            "bilinear" when Rank == 4 => true,
            "linear" or "bilinear" => throw new ArgumentException(
                $"{op}: mode '{mode}' needs a {(mode == "linear" ? "3-d [N, C, L]" : "4-d [N, C, H, W]")} input, got shape {Shapes.Format(shape)}."),
            _ => throw new ArgumentException($"{op}: mode '{mode}' is not supported; use 'nearest', 'linear' (3-d) or 'bilinear' (4-d)."),
        };
        if (!linear && alignCorners is not null)
            throw new ArgumentException($"{op}: alignCorners can only be set with the interpolating modes 'linear' and 'bilinear', not '{mode}'.");

        int dims = Rank - 2;
        var (outSize, scales) = InterpolateSizes(op, size, scaleFactor, dims, recomputeScaleFactor ?? false);
        var p = dims == 2
            ? new UpsamplePlanes((long)shape[0] * shape[1], shape[2], shape[3], outSize[0], outSize[1], scales?[0], scales?[1], linear, alignCorners ?? false)
            : new UpsamplePlanes((long)shape[0] * shape[1], 1, shape[2], 1, outSize[0], null, scales?[0], linear, alignCorners ?? false);

        using var xc = ContiguousInDType(DType);
        int[] yShape = dims == 2 ? [shape[0], shape[1], p.OH, p.OW] : [shape[0], shape[1], p.OW];
        var y = Allocate(yShape, DType);
        if (p.Planes > 0) UpsampleKernel.Forward(xc, y, p);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new InterpolateBackward((int[])shape.Clone(), p, mode), this);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.ResizeOps.ExportResize(onnx, this, y, linear, alignCorners ?? false);
        return y;
    }

    /// <summary>The output size of every spatial dim, and the scales the kernel samples with (null: in/out).</summary>
    (int[] Size, double[]? Scales) InterpolateSizes(string op, int[]? size, double[]? scaleFactor, int dims, bool recompute)
    {
        if ((size is null) == (scaleFactor is null))
            throw new ArgumentException($"{op}: give exactly one of size and scaleFactor.");
        if (size is not null)
        {
            if (size.Length != 1 && size.Length != dims)
                throw new ArgumentException($"{op}: size [{string.Join(", ", size)}] must have 1 or {dims} values for an input of shape {Shapes.Format(shape)}.");
            var s = Enumerable.Range(0, dims).Select(i => size[size.Length == 1 ? 0 : i]).ToArray();
            if (s.Any(v => v <= 0)) throw new ArgumentException($"{op}: size [{string.Join(", ", size)}] must be positive.");
            CheckSpatialNotEmpty(op);
            return (s, null);
        }
        var f = scaleFactor!;
        if (f.Length != 1 && f.Length != dims)
            throw new ArgumentException($"{op}: scaleFactor [{string.Join(", ", f)}] must have 1 or {dims} values for an input of shape {Shapes.Format(shape)}.");
        var scales = Enumerable.Range(0, dims).Select(i => f[f.Length == 1 ? 0 : i]).ToArray();
        if (scales.Any(v => !(v > 0) || double.IsInfinity(v))) throw new ArgumentException($"{op}: scaleFactor [{string.Join(", ", f)}] must be positive and finite.");
        CheckSpatialNotEmpty(op);
        var outSize = new int[dims];
        for (int i = 0; i < dims; i++)
        {
            double o = Math.Floor(shape[i + 2] * scales[i]);
            if (o < 1 || o > int.MaxValue)
                throw new ArgumentException($"{op}: scaleFactor {scales[i]} turns spatial size {shape[i + 2]} of input shape {Shapes.Format(shape)} into {o}; the output size must be positive.");
            outSize[i] = (int)o;
        }
        return (outSize, recompute ? null : scales);
    }

    void CheckSpatialNotEmpty(string op)
    {
        for (int i = 2; i < Rank; i++)
            if (shape[i] == 0) throw new ArgumentException($"{op}: the input of shape {Shapes.Format(shape)} has an empty spatial dim.");
    }

    /// <summary>Saves nothing: the source cells and weights follow from the sizes and scales.</summary>
    sealed class InterpolateBackward(int[] inputShape, UpsamplePlanes p, string mode) : Node
    {
        public override string Name => mode switch { "nearest" => "UpsampleNearestBackward", "linear" => "UpsampleLinearBackward", _ => "UpsampleBilinearBackward" };
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var dtype = InputDTypes[0];
            using var gc = g.ContiguousInDType(dtype);
            var gx = Allocate((int[])inputShape.Clone(), dtype);
            if (p.Planes == 0) gx.FillRaw(0);
            else UpsampleKernel.Backward(gc, gx, p);
            return [gx];
        }
    }
}
