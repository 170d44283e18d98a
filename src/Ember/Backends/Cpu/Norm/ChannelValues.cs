using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>Reads and writes small per-channel vectors (running statistics) as doubles.</summary>
internal static unsafe class ChannelValues
{
    public static double[] Read(Tensor t)
    {
        using var d = t.ContiguousInDType(DType.Float64);
        return d.Span<double>().ToArray();
    }

    /// <summary>Overwrites a contiguous floating-point tensor's elements in place.</summary>
    public static void Write(Tensor t, double[] values)
    {
        var k = new WriteKernel { T = t, Values = values };
        Dispatch.Float(t.DType, ref k, "BatchNorm");
        t.BumpVersion();
    }

    struct WriteKernel : IFloatKernel
    {
        public Tensor T; public double[] Values;
        public void Run<TE>() where TE : unmanaged, IFloatingPointIeee754<TE>
        {
            TE* p = (TE*)T.DataPointer;
            for (int i = 0; i < Values.Length; i++) p[i] = TE.CreateTruncating(Values[i]);
        }
    }
}
