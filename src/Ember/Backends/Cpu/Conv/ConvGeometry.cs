namespace Ember.Backends.Cpu;

/// <summary>
/// The sizes of one 2-d convolution: input [Batch, InChannels, InH, InW], weight
/// [OutChannels, InChannels/Groups, KH, KW], output [Batch, OutChannels, OutH, OutW]. The output size is
/// stored rather than derived so a transposed conv can describe itself as the conv it is the gradient of.
/// </summary>
internal readonly record struct ConvGeometry(
    int Batch, int InChannels, int InH, int InW,
    int OutChannels, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int DilH, int DilW,
    int Groups, int OutH, int OutW)
{
    public int InGroupChannels => InChannels / Groups;
    public int OutGroupChannels => OutChannels / Groups;
    /// <summary>Rows of the im2col matrix of one group: (C/groups)·kH·kW.</summary>
    public int ColRows => InGroupChannels * KH * KW;
    public int InPlane => InH * InW;
    public int OutPlane => OutH * OutW;
    public long ColElements => (long)ColRows * OutPlane;
    /// <summary>Multiply-adds of one image (all groups), the cost unit for threading decisions.</summary>
    public long WorkPerImage => (long)OutChannels * OutPlane * ColRows;

    /// <summary>A 1×1 kernel at stride 1 without padding reads the input as the im2col matrix itself.</summary>
    public bool IsPointwise => KH == 1 && KW == 1 && StrideH == 1 && StrideW == 1 && PadH == 0 && PadW == 0
        && OutH == InH && OutW == InW;

    /// <summary>
    /// Depthwise (one input channel per group, several groups): a direct kernel beats a GEMM per group
    /// with a single output row block. A single-channel input with groups 1 stays on GEMM, whose one
    /// product over all output channels measured 4× faster (fwd+bwd) than the direct kernel.
    /// </summary>
    public bool IsDepthwise => InGroupChannels == 1 && Groups > 1;

    /// <summary>The usual output size of a conv: ⌊(in + 2·pad − dil·(k−1) − 1)/stride⌋ + 1.</summary>
    public static int OutputSize(int input, int kernel, int stride, int pad, int dilation)
        => (input + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
}
