using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// ReLU run inside the producing op's GEMM epilogue (Linear, Conv2d). The producer saves its activated
/// output and, in backward, first masks the incoming gradient with it (y &gt; 0 exactly where x &gt; 0),
/// which is ReLU's own backward; the pre-activation tensor is never written to memory.
/// </summary>
internal static class FusedRelu
{
    /// <summary>A Saved of the output when the op both records a node and applies ReLU, else null.</summary>
    public static Saved? SaveOutput(Tensor y, GemmActivation activation, string op) =>
        activation == GemmActivation.Relu ? new Saved(y, op) : null;

    /// <summary>The gradient with respect to the pre-activation: g where y &gt; 0, else 0.</summary>
    public static Tensor MaskGrad(Tensor g, Tensor y) =>
        Elementwise.Binary(g, y, new VectorBinary<ReluGrad>(new ReluGrad()), y.DType, "ReluBackward");

    /// <summary>ReLU in place over a contiguous output that no GEMM produced (depthwise convs).</summary>
    public static unsafe void ApplyInPlace(Tensor y)
    {
        if (y.DType == DType.Float32) ApplyInPlace((float*)y.DataPointer, y.NumElements);
        else ApplyInPlace((double*)y.DataPointer, y.NumElements);
    }

    static unsafe void ApplyInPlace<T>(T* p, long count) where T : unmanaged, System.Numerics.INumber<T>
    {
        var relu = new GemmEpilogue<T>(null, null, GemmActivation.Relu);
        for (long done = 0; done < count;)
        {
            int n = (int)Math.Min(count - done, 1 << 30);
            relu.Apply(p + done, n, 1, n);
            done += n;
        }
    }
}
