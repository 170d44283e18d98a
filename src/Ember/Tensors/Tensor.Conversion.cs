using System.Numerics;
using System.Numerics.Tensors;
using Ember.Backends.Cpu;

namespace Ember;

public partial class Tensor
{
    /// <summary>This tensor in another dtype (a new tensor; the same data under a new handle when the dtype already matches).</summary>
    public Tensor To(DType dtype)
    {
        Live("To");
        if (dtype == DType) return Identity("To");
        var y = Allocate((int[])shape.Clone(), dtype);
        using (var src = IsContiguous ? Alias() : ContiguousCopy())
        {
            var k = new CastFrom { Src = src, Dst = y };
            Dispatch.Numeric(DType, ref k);
        }
        if (GradMode.ShouldRecord(this) && dtype.IsFloatingPoint()) GradMode.Record(y, new CastBackward(DType), this);
        return y;
    }

    /// <summary>This tensor with a row-major layout: itself (a new handle) when already contiguous, else a copy.</summary>
    public Tensor Contiguous()
    {
        Live("Contiguous");
        if (IsContiguous) return Identity("Contiguous");
        var y = ContiguousCopy();
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new IdentityBackward(), this);
        return y;
    }

    /// <summary>A copy with its own storage.</summary>
    public Tensor Clone()
    {
        Live("Clone");
        var y = ContiguousCopy();
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new IdentityBackward(), this);
        return y;
    }

    /// <summary>This tensor's elements as a contiguous tensor of <paramref name="dtype"/>, not recorded by autograd (an alias when already so).</summary>
    internal Tensor ContiguousInDType(DType dtype)
    {
        if (dtype == DType) return IsContiguous ? Alias() : ContiguousCopy();
        using (GradMode.Disable()) return To(dtype); // To always writes a fresh contiguous tensor
    }

    /// <summary>This tensor's elements in <paramref name="dtype"/>, any layout, not recorded by autograd (an alias when already so).</summary>
    internal Tensor InDType(DType dtype)
    {
        if (dtype == DType) return Alias();
        using (GradMode.Disable()) return To(dtype);
    }

    internal Tensor ContiguousCopy()
    {
        var y = Allocate((int[])shape.Clone(), DType);
        StridedCopy.Copy(this, y);
        return y;
    }

    /// <summary>A new handle on the same data that passes gradients straight through.</summary>
    Tensor Identity(string op)
    {
        var y = new Tensor(Live(op).storage, DType, shape, strides, offset);
        if (GradMode.ShouldRecord(this)) GradMode.Record(y, new IdentityBackward(), this);
        return y;
    }

    sealed class IdentityBackward : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g];
    }

    sealed class CastBackward(DType from) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g) => [g.To(from)];
    }

    unsafe struct CastFrom : INumericKernel
    {
        public Tensor Src, Dst;
        public void Run<TFrom>() where TFrom : unmanaged, INumber<TFrom>
        {
            var k = new CastTo<TFrom> { Src = Src, Dst = Dst };
            Dispatch.Numeric(Dst.DType, ref k);
        }
    }

    unsafe struct CastTo<TFrom> : INumericKernel where TFrom : unmanaged, INumber<TFrom>
    {
        public Tensor Src, Dst;
        public void Run<TTo>() where TTo : unmanaged, INumber<TTo>
        {
            var s = Src.Span<TFrom>();
            var d = Dst.Span<TTo>();
            if (Dst.DType == DType.Bool)
                for (int i = 0; i < s.Length; i++) d[i] = s[i] != TFrom.Zero ? TTo.One : TTo.Zero;
            else
                TensorPrimitives.ConvertTruncating(s, d);
        }
    }
}
