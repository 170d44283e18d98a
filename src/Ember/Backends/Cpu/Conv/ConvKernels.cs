using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>
/// The conv entry points the ops call: resolve the dtype once and pick the algorithm by shape —
/// a direct kernel when every group sees one input channel (depthwise), else im2col + GEMM (which
/// skips im2col for 1×1 stride-1 convs). Tensors are contiguous, of one floating dtype, and fully
/// allocated by the caller; outputs are overwritten.
/// </summary>
internal static unsafe class ConvKernels
{
    /// <summary>y [N, O, OH, OW] = act(conv(x, w) + b).</summary>
    public static void Forward(in ConvGeometry g, Tensor x, Tensor w, Tensor? b, Tensor y, GemmActivation activation = GemmActivation.None)
    {
        if (y.NumElements == 0) return;
        if (y.DType == DType.Float32) Forward<float>(g, x, w, b, y, activation);
        else Forward<double>(g, x, w, b, y, activation);
    }

    /// <summary>gx [N, C, H, W] = the gradient of conv's input (also the transposed conv's forward).</summary>
    public static void BackwardInput(in ConvGeometry g, Tensor gy, Tensor w, Tensor gx)
    {
        if (gx.NumElements == 0) return;
        if (gy.NumElements == 0) { gx.FillRaw(0); return; }
        if (gx.DType == DType.Float32) BackwardInput<float>(g, gy, w, gx);
        else BackwardInput<double>(g, gy, w, gx);
    }

    /// <summary>gw [O, C/groups, kH, kW] = Σ over the batch of gy ⋆ x.</summary>
    public static void BackwardWeight(in ConvGeometry g, Tensor x, Tensor gy, Tensor gw)
    {
        if (gw.NumElements == 0) return;
        if (gy.NumElements == 0) { gw.FillRaw(0); return; }
        if (gw.DType == DType.Float32) BackwardWeight<float>(g, x, gy, gw);
        else BackwardWeight<double>(g, x, gy, gw);
    }

    /// <summary>gb [channels] = gy [batch, channels, plane] summed over batch and plane.</summary>
    public static void BackwardBias(int batch, int channels, int plane, Tensor gy, Tensor gb)
    {
        if (gb.DType == DType.Float32) ConvGemmPath.BackwardBias(batch, channels, plane, (float*)gy.DataPointer, (float*)gb.DataPointer);
        else ConvGemmPath.BackwardBias(batch, channels, plane, (double*)gy.DataPointer, (double*)gb.DataPointer);
    }

    /// <summary>y [batch, channels, plane] += b[channel] (the transposed conv's bias).</summary>
    public static void AddBias(int batch, int channels, int plane, Tensor y, Tensor b)
    {
        if (y.DType == DType.Float32) AddBias(batch, channels, plane, (float*)y.DataPointer, (float*)b.DataPointer);
        else AddBias(batch, channels, plane, (double*)y.DataPointer, (double*)b.DataPointer);
    }

    static void AddBias<T>(int batch, int channels, int plane, T* y, T* b) where T : unmanaged, INumber<T>
    {
        for (long p = 0; p < (long)batch * channels; p++)
        {
            var row = new Span<T>(y + p * plane, plane);
            System.Numerics.Tensors.TensorPrimitives.Add(row, b[p % channels], row);
        }
    }

    static void Forward<T>(ConvGeometry g, Tensor x, Tensor w, Tensor? b, Tensor y, GemmActivation activation) where T : unmanaged, INumber<T>
    {
        T* bp = b is null ? null : (T*)b.DataPointer;
        if (g.IsDepthwise)
        {
            DepthwiseConv.Forward(g, (T*)x.DataPointer, (T*)w.DataPointer, bp, (T*)y.DataPointer);
            if (activation == GemmActivation.Relu) FusedRelu.ApplyInPlace(y);
        }
        else ConvGemmPath.Forward(g, (T*)x.DataPointer, (T*)w.DataPointer, bp, (T*)y.DataPointer, activation);
    }

    static void BackwardInput<T>(ConvGeometry g, Tensor gy, Tensor w, Tensor gx) where T : unmanaged, INumber<T>
    {
        if (g.IsDepthwise) DepthwiseConv.BackwardInput(g, (T*)gy.DataPointer, (T*)w.DataPointer, (T*)gx.DataPointer);
        else ConvGemmPath.BackwardInput(g, (T*)gy.DataPointer, (T*)w.DataPointer, (T*)gx.DataPointer);
    }

    static void BackwardWeight<T>(ConvGeometry g, Tensor x, Tensor gy, Tensor gw) where T : unmanaged, INumber<T>
    {
        if (g.IsDepthwise) DepthwiseConv.BackwardWeight(g, (T*)x.DataPointer, (T*)gy.DataPointer, (T*)gw.DataPointer);
        else ConvGemmPath.BackwardWeight(g, (T*)x.DataPointer, (T*)gy.DataPointer, (T*)gw.DataPointer);
    }
}
