namespace Ember.NN;

/// <summary>2-d max pooling over [N, C, H, W] or [C, H, W]; stride defaults to the kernel size.</summary>
public sealed class MaxPool2d : Module<Tensor, Tensor>
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }
    public bool CeilMode { get; }

    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceilMode) { }

    public MaxPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        (int H, int W)? dilation = null, bool ceilMode = false)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
        CeilMode = ceilMode;
    }

    public override Tensor Forward(Tensor input) => input.MaxPool2d(
        [KernelSize.H, KernelSize.W], [Stride.H, Stride.W], [Padding.H, Padding.W], [Dilation.H, Dilation.W], CeilMode);

    public override string ExtraRepr() =>
        $"kernel_size={PoolSize(KernelSize)}, stride={PoolSize(Stride)}, padding={PoolSize(Padding)}, dilation={PoolSize(Dilation)}, ceil_mode={PyBool(CeilMode)}";

    /// <summary>Pooling layers keep what they were given: an int when both sides are equal, as the int constructors take it.</summary>
    internal static string PoolSize((int H, int W) size) => size.H == size.W ? size.H.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"({size.H}, {size.W})";
}

/// <summary>1-d max pooling over [N, C, L] or [C, L]; stride defaults to the kernel size.</summary>
public sealed class MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    : Module<Tensor, Tensor>
{
    public int KernelSize => kernelSize;
    public int Stride => stride ?? kernelSize;
    public int Padding => padding;
    public int Dilation => dilation;
    public bool CeilMode => ceilMode;

    public override Tensor Forward(Tensor input) => input.MaxPool1d(kernelSize, Stride, padding, dilation, ceilMode);
    public override string ExtraRepr()
        => $"kernel_size={kernelSize}, stride={Stride}, padding={padding}, dilation={dilation}, ceil_mode={PyBool(ceilMode)}";
}

/// <summary>1-d average pooling over [N, C, L] or [C, L]; stride defaults to the kernel size.</summary>
public sealed class AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
    : Module<Tensor, Tensor>
{
    public int KernelSize => kernelSize;
    public int Stride => stride ?? kernelSize;
    public int Padding => padding;
    public bool CeilMode => ceilMode;
    public bool CountIncludePad => countIncludePad;

    public override Tensor Forward(Tensor input) => input.AvgPool1d(kernelSize, Stride, padding, ceilMode, countIncludePad);
    // PyTorch keeps AvgPool1d's sizes as one-element tuples.
    public override string ExtraRepr() => $"kernel_size={PyTuple([kernelSize])}, stride={PyTuple([Stride])}, padding={PyTuple([padding])}";
}

/// <summary>2-d average pooling over [N, C, H, W] or [C, H, W]; stride defaults to the kernel size.</summary>
public sealed class AvgPool2d : Module<Tensor, Tensor>
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public bool CeilMode { get; }
    public bool CountIncludePad { get; }

    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this((kernelSize, kernelSize), stride is { } s ? (s, s) : null, (padding, padding), ceilMode, countIncludePad) { }

    public AvgPool2d((int H, int W) kernelSize, (int H, int W)? stride = null, (int H, int W)? padding = null,
        bool ceilMode = false, bool countIncludePad = true)
    {
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
        Padding = padding ?? (0, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
    }

    public override Tensor Forward(Tensor input) => input.AvgPool2d(
        [KernelSize.H, KernelSize.W], [Stride.H, Stride.W], [Padding.H, Padding.W], CeilMode, CountIncludePad);

    public override string ExtraRepr() =>
        $"kernel_size={MaxPool2d.PoolSize(KernelSize)}, stride={MaxPool2d.PoolSize(Stride)}, padding={MaxPool2d.PoolSize(Padding)}";
}

/// <summary>Average pooling to a fixed output size, whatever the input's height and width.</summary>
public sealed class AdaptiveAvgPool2d((int H, int W) outputSize) : Module<Tensor, Tensor>
{
    public AdaptiveAvgPool2d(int outputSize) : this((outputSize, outputSize)) { }

    public (int H, int W) OutputSize => outputSize;

    public override Tensor Forward(Tensor input) => input.AdaptiveAvgPool2d([outputSize.H, outputSize.W]);

    public override string ExtraRepr() => $"output_size={MaxPool2d.PoolSize(outputSize)}";
}

/// <summary>Max pooling to a fixed output size, whatever the input's height and width.</summary>
public sealed class AdaptiveMaxPool2d((int H, int W) outputSize) : Module<Tensor, Tensor>
{
    public AdaptiveMaxPool2d(int outputSize) : this((outputSize, outputSize)) { }

    public (int H, int W) OutputSize => outputSize;

    public override Tensor Forward(Tensor input) => input.AdaptiveMaxPool2d([outputSize.H, outputSize.W]);

    public override string ExtraRepr() => $"output_size={MaxPool2d.PoolSize(outputSize)}";
}

public static partial class Functional
{
    public static Tensor MaxPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        => input.MaxPool1d(kernelSize, stride, padding, dilation, ceilMode);
    public static Tensor AvgPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        => input.AvgPool1d(kernelSize, stride, padding, ceilMode, countIncludePad);
}
