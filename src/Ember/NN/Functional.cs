using System.Buffers;
using System.Numerics.Tensors;

namespace Ember.NN;

/// <summary>How a loss combines its per-sample values. BatchMean (the sum divided by the batch size) is KL divergence's "batchmean".</summary>
public enum Reduction { Mean, Sum, None, BatchMean }

/// <summary>Stateless layers and losses: <c>using F = Ember.NN.Functional;</c>.</summary>
public static partial class Functional
{
    /// <summary>x·Wᵀ + b, with the bias folded into the GEMM.</summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Tensor.Linear(input, weight, bias);

    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? dilation = null, int groups = 1)
        => Tensor.Conv1d(input, weight, bias, stride, padding, dilation, groups);
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? dilation = null, int groups = 1)
        => Tensor.Conv2d(input, weight, bias, stride, padding, dilation, groups);
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null, int[]? outputPadding = null, int groups = 1, int[]? dilation = null)
        => Tensor.ConvTranspose2d(input, weight, bias, stride, padding, outputPadding, groups, dilation);

    public static Tensor MaxPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
        => input.MaxPool2d(kernelSize, stride, padding, dilation, ceilMode);
    public static Tensor AvgPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true)
        => input.AvgPool2d(kernelSize, stride, padding, ceilMode, countIncludePad);
    public static Tensor AdaptiveAvgPool2d(Tensor input, int[] outputSize) => input.AdaptiveAvgPool2d(outputSize);
    public static Tensor BatchNorm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null, bool training = false, double momentum = 0.1, double eps = 1e-5)
        => Tensor.BatchNorm(input, runningMean, runningVar, weight, bias, training, momentum, eps);
    public static Tensor LayerNorm(Tensor input, int[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
        => Tensor.LayerNorm(input, normalizedShape, weight, bias, eps);

    public static Tensor Relu(Tensor x) => x.Relu();
    public static Tensor Gelu(Tensor x, bool approximateTanh = false) => x.Gelu(approximateTanh);
    public static Tensor Softmax(Tensor x, int dim) => x.Softmax(dim);
    public static Tensor LogSoftmax(Tensor x, int dim) => x.LogSoftmax(dim);
}
