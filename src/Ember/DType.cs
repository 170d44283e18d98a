namespace Ember;

/// <summary>Element type of a tensor. Bool is stored as one byte (0 or 1).</summary>
public enum DType { Float32, Float64, Int64, Int32, Bool, UInt8 }

/// <summary>Facts about dtypes and PyTorch's type-promotion rules.</summary>
public static class DTypes
{
    public static int SizeOf(this DType d) => d switch
    {
        DType.Float32 => 4, DType.Float64 => 8, DType.Int64 => 8, DType.Int32 => 4,
        DType.Bool => 1, DType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(d)),
    };

    public static bool IsFloatingPoint(this DType d) => d is DType.Float32 or DType.Float64;
    public static bool IsIntegral(this DType d) => d is DType.Int64 or DType.Int32 or DType.UInt8;

    /// <summary>The dtype stored for the CLR type <typeparamref name="T"/>.</summary>
    public static DType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return DType.Float32;
        if (typeof(T) == typeof(double)) return DType.Float64;
        if (typeof(T) == typeof(long)) return DType.Int64;
        if (typeof(T) == typeof(int)) return DType.Int32;
        if (typeof(T) == typeof(bool)) return DType.Bool;
        if (typeof(T) == typeof(byte)) return DType.UInt8;
        throw new NotSupportedException($"Ember has no dtype for {typeof(T).Name}; use float, double, long, int, bool or byte.");
    }

    /// <summary>PyTorch's spelling, used when printing.</summary>
    public static string TorchName(this DType d) => d switch
    {
        DType.Float32 => "float32", DType.Float64 => "float64", DType.Int64 => "int64",
        DType.Int32 => "int32", DType.Bool => "bool", DType.UInt8 => "uint8", _ => d.ToString(),
    };

    // 0 = bool, 1 = integral, 2 = floating: a higher category always wins promotion.
    static int Category(DType d) => d == DType.Bool ? 0 : d.IsFloatingPoint() ? 2 : 1;

    static int Rank(DType d) => d switch
    {
        DType.Bool => 0, DType.UInt8 => 1, DType.Int32 => 2, DType.Int64 => 3,
        DType.Float32 => 4, DType.Float64 => 5, _ => 0,
    };

    /// <summary>The smallest dtype that holds both (torch.promote_types).</summary>
    public static DType Promote(DType a, DType b) => Rank(a) >= Rank(b) ? a : b;

    /// <summary>
    /// torch.result_type for two tensors: dimensioned tensors outrank 0-d tensors, which only
    /// decide the result when they are of a higher category (an int tensor plus a float64 0-d tensor is float64).
    /// </summary>
    public static DType ResultType(Tensor a, Tensor b)
    {
        bool aDim = a.Rank > 0, bDim = b.Rank > 0;
        if (aDim == bDim) return Promote(a.DType, b.DType);
        var (dim, zero) = aDim ? (a.DType, b.DType) : (b.DType, a.DType);
        return Category(zero) > Category(dim) ? zero : dim;
    }

    /// <summary>torch.result_type for a tensor and a Python-style scalar of the given kind.</summary>
    public static DType ResultType(DType tensor, bool scalarIsFloat)
        => scalarIsFloat && !tensor.IsFloatingPoint() ? DType.Float32 : tensor;

    /// <summary>The dtype a floating-point op (exp, mean, division, ...) computes in.</summary>
    public static DType ToFloating(this DType d) => d.IsFloatingPoint() ? d : DType.Float32;
}
