using System.Numerics;

namespace Ember.Backends.Cpu;

/// <summary>A kernel body generic over any numeric element type (Bool travels as byte).</summary>
internal interface INumericKernel
{
    void Run<T>() where T : unmanaged, INumber<T>;
}

/// <summary>A kernel body generic over the floating-point element types.</summary>
internal interface IFloatKernel
{
    void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>The one switch from a runtime dtype to a generic kernel instantiation.</summary>
internal static class Dispatch
{
    public static void Numeric<TK>(DType dtype, ref TK kernel) where TK : struct, INumericKernel
    {
        switch (dtype)
        {
            case DType.Float32: kernel.Run<float>(); break;
            case DType.Float64: kernel.Run<double>(); break;
            case DType.Int64: kernel.Run<long>(); break;
            case DType.Int32: kernel.Run<int>(); break;
            case DType.Bool:
            case DType.UInt8: kernel.Run<byte>(); break;
            default: throw new NotSupportedException($"dtype {dtype} is not supported here.");
        }
    }

    public static void Float<TK>(DType dtype, ref TK kernel, string op) where TK : struct, IFloatKernel
    {
        switch (dtype)
        {
            case DType.Float32: kernel.Run<float>(); break;
            case DType.Float64: kernel.Run<double>(); break;
            default: throw new NotSupportedException($"{op}: expected a floating-point tensor, got {dtype}.");
        }
    }
}
