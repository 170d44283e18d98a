namespace Ember.NN;

/// <summary>
/// What every convolution layer shares: channel checks, PyTorch's parameter names and its
/// initialisation, kaiming_uniform with a = √5, which for the weight and the bias alike comes to
/// U(±1/√fan_in).
/// </summary>
public abstract class ConvLayer : Module<Tensor, Tensor>
{
    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Groups { get; }

    private protected ConvLayer(string layer, int inChannels, int outChannels, int groups, int[] weightShape, int fanIn, bool bias, Generator? generator)
    {
        if (groups < 1 || inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"{layer}: groups {groups} must be positive and divide both in_channels ({inChannels}) and out_channels ({outChannels}).");
        (InChannels, OutChannels, Groups) = (inChannels, outChannels, groups);
        double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
        Weight = Param("weight", Init.Uniform(weightShape, -bound, bound, generator));
        if (bias) Bias = Param("bias", Init.Uniform([outChannels], -bound, bound, generator));
        else NoParam("bias");
    }

    /// <summary>PyTorch's extra_repr: settings at their defaults are left out.</summary>
    private protected string ConvRepr(int[] kernel, int[] stride, int[] padding, int[] dilation, int[]? outputPadding = null)
    {
        var text = $"{InChannels}, {OutChannels}, kernel_size={PyTuple(kernel)}, stride={PyTuple(stride)}";
        if (padding.Any(p => p != 0)) text += $", padding={PyTuple(padding)}";
        if (dilation.Any(d => d != 1)) text += $", dilation={PyTuple(dilation)}";
        if (outputPadding is not null && outputPadding.Any(p => p != 0)) text += $", output_padding={PyTuple(outputPadding)}";
        if (Groups != 1) text += $", groups={Groups}";
        if (Bias is null) text += ", bias=False";
        return text;
    }
}

/// <summary>Conv2d over [N, C, H, W] with PyTorch's layout: weight [out, in/groups, kH, kW], fan_in = (in/groups)·kH·kW.</summary>
public sealed class Conv2d : ConvLayer, IFusesRelu
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) Dilation { get; }

    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, generator) { }

    public Conv2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? dilation = null, int groups = 1, bool bias = true, Generator? generator = null)
        : base("Conv2d", inChannels, outChannels, groups, [outChannels, inChannels / Math.Max(groups, 1), kernelSize.H, kernelSize.W],
            inChannels / Math.Max(groups, 1) * kernelSize.H * kernelSize.W, bias, generator)
    {
        KernelSize = kernelSize;
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
    }

    public override Tensor Forward(Tensor input) => Tensor.Conv2d(input, Weight, Bias,
        [Stride.H, Stride.W], [Padding.H, Padding.W], [Dilation.H, Dilation.W], Groups);

    Tensor IFusesRelu.ForwardRelu(Tensor input) => Tensor.Conv2d(input, Weight, Bias,
        [Stride.H, Stride.W], [Padding.H, Padding.W], [Dilation.H, Dilation.W], Groups, Backends.Cpu.GemmActivation.Relu);

    public override string ExtraRepr() => ConvRepr([KernelSize.H, KernelSize.W], [Stride.H, Stride.W], [Padding.H, Padding.W], [Dilation.H, Dilation.W]);
}

/// <summary>Conv1d over [N, C, L]: weight [out, in/groups, k], fan_in = (in/groups)·k.</summary>
public sealed class Conv1d : ConvLayer
{
    public int KernelSize { get; }
    public int Stride { get; }
    public int Padding { get; }
    public int Dilation { get; }

    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, Generator? generator = null)
        : base("Conv1d", inChannels, outChannels, groups, [outChannels, inChannels / Math.Max(groups, 1), kernelSize],
            inChannels / Math.Max(groups, 1) * kernelSize, bias, generator)
        => (KernelSize, Stride, Padding, Dilation) = (kernelSize, stride, padding, dilation);

    public override Tensor Forward(Tensor input) => Tensor.Conv1d(input, Weight, Bias, [Stride], [Padding], [Dilation], Groups);

    public override string ExtraRepr() => ConvRepr([KernelSize], [Stride], [Padding], [Dilation]);
}

/// <summary>
/// ConvTranspose2d: weight [in, out/groups, kH, kW]. PyTorch computes fan_in from the weight's dim 1,
/// so the init bound is 1/√((out/groups)·kH·kW).
/// </summary>
public sealed class ConvTranspose2d : ConvLayer
{
    public (int H, int W) KernelSize { get; }
    public (int H, int W) Stride { get; }
    public (int H, int W) Padding { get; }
    public (int H, int W) OutputPadding { get; }
    public (int H, int W) Dilation { get; }

    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, Generator? generator = null)
        : this(inChannels, outChannels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (outputPadding, outputPadding),
            groups, bias, (dilation, dilation), generator) { }

    public ConvTranspose2d(int inChannels, int outChannels, (int H, int W) kernelSize, (int H, int W)? stride = null,
        (int H, int W)? padding = null, (int H, int W)? outputPadding = null, int groups = 1, bool bias = true,
        (int H, int W)? dilation = null, Generator? generator = null)
        : base("ConvTranspose2d", inChannels, outChannels, groups, [inChannels, outChannels / Math.Max(groups, 1), kernelSize.H, kernelSize.W],
            outChannels / Math.Max(groups, 1) * kernelSize.H * kernelSize.W, bias, generator)
    {
        KernelSize = kernelSize;
        Stride = stride ?? (1, 1);
        Padding = padding ?? (0, 0);
        OutputPadding = outputPadding ?? (0, 0);
        Dilation = dilation ?? (1, 1);
    }

    public override Tensor Forward(Tensor input) => Tensor.ConvTranspose2d(input, Weight, Bias, [Stride.H, Stride.W],
        [Padding.H, Padding.W], [OutputPadding.H, OutputPadding.W], Groups, [Dilation.H, Dilation.W]);

    public override string ExtraRepr() => ConvRepr([KernelSize.H, KernelSize.W], [Stride.H, Stride.W], [Padding.H, Padding.W],
        [Dilation.H, Dilation.W], [OutputPadding.H, OutputPadding.W]);
}
