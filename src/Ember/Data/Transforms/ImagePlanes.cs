namespace Ember.Data;

/// <summary>
/// Checks that a transform's input is a Float32 image [..., H, W] and gives its pixels as one contiguous span of
/// planes (channels and any leading dims flattened), copying only when the input is a non-contiguous view.
/// </summary>
internal readonly ref struct ImagePlanes
{
    public readonly Tensor Source;
    public readonly int Planes, Height, Width;
    readonly Tensor? copy;

    public ImagePlanes(Tensor input, string op)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Live(op);
        if (input.DType != DType.Float32 || input.Rank < 2)
            throw new ArgumentException($"{op}: expected a Float32 image of shape [C, H, W] but got {input.DType} {Shapes.Format(input.shape)}; apply ToTensor first.");
        Height = input.shape[^2];
        Width = input.shape[^1];
        Planes = Height * Width == 0 ? 0 : (int)(input.NumElements / ((long)Height * Width));
        copy = input.IsContiguous ? null : input.Contiguous();
        Source = copy ?? input;
    }

    public ReadOnlySpan<float> Pixels => Source.Span<float>();

    /// <summary>A new uninitialised tensor of the input's leading dims and the given height and width.</summary>
    public Tensor New(int height, int width)
    {
        var shape = (int[])Source.shape.Clone();
        shape[^2] = height;
        shape[^1] = width;
        return Tensor.Allocate(shape, DType.Float32);
    }

    public void Dispose() => copy?.Dispose();
}
