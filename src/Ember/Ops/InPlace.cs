using Ember.Backends.Cpu;

namespace Ember;

/// <summary>
/// In-place updates, for optimizers, gradient accumulation and loading weights. They are not
/// recorded by autograd: on a tensor that requires grad they must run under Autograd.NoGrad().
/// Each bumps the version counter, so backward notices a saved tensor that changed.
/// </summary>
public partial class Tensor
{
    void CheckInPlace(string op)
    {
        Live(op);
        if (GradMode.Enabled && RequiresGrad)
            throw new InvalidOperationException($"{op}: an in-place change of a tensor that requires grad cannot be differentiated; run it inside Autograd.NoGrad().");
    }

    /// <summary>this += alpha * other (other broadcasts to this shape).</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1)
    {
        CheckInPlace("AddInPlace");
        other.Live("AddInPlace");
        if (alpha == 1 && DType == DType.Float32 && other.DType == DType.Float32 && IsContiguous && other.IsContiguous && Shapes.SameShape(shape, other.shape))
        {
            var dst = Span<float>();
            Simd.Map(new AddOp(), dst, other.Span<float>(), dst);
        }
        else
        {
            using (GradMode.Disable())
            {
                using var scaled = alpha == 1 ? other.Alias() : other * alpha;
                using var sum = this + scaled;
                CopyFromUnchecked(sum);
            }
        }
        BumpVersion();
        return this;
    }

    /// <summary>this *= value.</summary>
    public Tensor MulInPlace(double value)
    {
        CheckInPlace("MulInPlace");
        using (GradMode.Disable())
        {
            using var product = this * value;
            CopyFromUnchecked(product);
        }
        BumpVersion();
        return this;
    }

    /// <summary>Copies <paramref name="source"/> (broadcast, cast to this dtype) into this tensor's elements.</summary>
    public Tensor CopyFrom(Tensor source)
    {
        CheckInPlace("CopyFrom");
        source.Live("CopyFrom");
        var merged = Shapes.Broadcast(shape, source.shape, "CopyFrom");
        if (!Shapes.SameShape(merged, shape))
            throw new ArgumentException($"CopyFrom: a source of shape {Shapes.Format(source.shape)} does not fit a tensor of shape {Shapes.Format(shape)}.");
        CopyFromUnchecked(source);
        BumpVersion();
        return this;
    }

    /// <summary>Sets every element to <paramref name="value"/>.</summary>
    public Tensor FillInPlace(double value)
    {
        CheckInPlace("FillInPlace");
        FillRaw(value);
        BumpVersion();
        return this;
    }

    void CopyFromUnchecked(Tensor source)
    {
        using var cast = source.InDType(DType);
        StridedCopy.Copy(cast, this);
    }
}
