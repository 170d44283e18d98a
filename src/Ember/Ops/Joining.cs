using Ember.Backends.Cpu;

namespace Ember;

/// <summary>Cat and Stack (copies into one new tensor) and Split/Chunk (views along a dim).</summary>
public partial class Tensor
{
    /// <summary>
    /// Joins tensors along an existing dim. Sizes must match in every other dim; the result has the
    /// promoted dtype of all inputs. Like PyTorch, 1-d empty tensors (shape [0]) are skipped.
    /// </summary>
    public static Tensor Cat(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Cat: expected a non-empty array of tensors.");
        Tensor? reference = null;
        int referenceIndex = -1;
        var dtype = DType.Bool; // the lowest dtype, so promotion picks the inputs' common type
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Cat: tensor {i} is null.");
            t.Live("Cat");
            if (t.Rank == 0) throw new ArgumentException($"Cat: tensor {i} is zero-dimensional and cannot be concatenated; use Stack or Unsqueeze it first.");
            dtype = DTypes.Promote(dtype, t.DType);
            if (reference is null && !IsLegacyEmpty(t)) { reference = t; referenceIndex = i; }
        }
        // Every input is a skippable [0]: the result is one too.
        if (reference is null) return Allocate([0], dtype);

        int d = Shapes.NormalizeDim(dim, reference.Rank, "Cat");
        var outShape = (int[])reference.shape.Clone();
        outShape[d] = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (IsLegacyEmpty(t) && t.Rank != reference.Rank) continue;
            CheckCatShape(t, i, reference, referenceIndex, d);
            outShape[d] = checked(outShape[d] + t.shape[d]);
        }

        var y = Allocate(outShape, dtype);
        var sizes = new int[tensors.Length];
        int start = 0;
        for (int i = 0; i < tensors.Length; i++)
        {
            var t = tensors[i];
            if (IsLegacyEmpty(t) && t.Rank != reference.Rank) { sizes[i] = -1; continue; }
            sizes[i] = t.shape[d];
            using var region = y.SliceRaw(d, start, t.shape[d]);
            CopyCast(t, region);
            start += t.shape[d];
        }
        if (GradMode.ShouldRecord(tensors)) GradMode.Record(y, new CatBackward(d, sizes), tensors);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.JoiningOps.ExportConcat(onnx, tensors, y, d);
        return y;
    }

    /// <summary>Joins same-shaped tensors along a new dim inserted at <paramref name="dim"/> (promoting dtypes like Cat).</summary>
    public static Tensor Stack(Tensor[] tensors, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw new ArgumentException("Stack: expected a non-empty array of tensors.");
        var first = tensors[0]?.Live("Stack") ?? throw new ArgumentNullException(nameof(tensors), "Stack: tensor 0 is null.");
        var dtype = first.DType;
        for (int i = 1; i < tensors.Length; i++)
        {
            var t = tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"Stack: tensor {i} is null.");
            t.Live("Stack");
            if (!Shapes.SameShape(t.shape, first.shape))
                throw new ArgumentException($"Stack: tensor {i} has shape {Shapes.Format(t.shape)} but tensor 0 has shape {Shapes.Format(first.shape)}; all tensors must have the same shape.");
            dtype = DTypes.Promote(dtype, t.DType);
        }
        int d = Shapes.NormalizeDim(dim, first.Rank + 1, "Stack");
        var outShape = first.shape.ToList();
        outShape.Insert(d, tensors.Length);
        var y = Allocate(outShape.ToArray(), dtype);
        for (int i = 0; i < tensors.Length; i++)
        {
            using var region = y.SelectRaw(d, i);
            CopyCast(tensors[i], region);
        }
        if (GradMode.ShouldRecord(tensors)) GradMode.Record(y, new StackBackward(d, tensors.Length), tensors);
        if (Onnx.Export.OnnxTrace.Active is { } onnx) Onnx.Ops.JoiningOps.ExportStack(onnx, tensors, y, d);
        return y;
    }

    /// <summary>Views of <paramref name="splitSize"/> elements along dim; the last piece is smaller when the size does not divide.</summary>
    public Tensor[] Split(int splitSize, int dim = 0)
    {
        Live("Split");
        if (Rank == 0) throw new ArgumentException("Split: cannot split a zero-dimensional tensor.");
        int d = Shapes.NormalizeDim(dim, Rank, "Split");
        int n = shape[d];
        if (splitSize < 0 || (splitSize == 0 && n != 0))
            throw new ArgumentException($"Split: split size must be positive (0 only for an empty dim), got {splitSize} for dim {dim} of size {n}.");
        int pieces = splitSize == 0 ? 1 : Math.Max(1, (n + splitSize - 1) / splitSize);
        var sizes = new int[pieces];
        for (int i = 0; i < pieces; i++) sizes[i] = Math.Min(splitSize, n - i * splitSize);
        return SplitBySizes(sizes, d);
    }

    /// <summary>Views of the given sizes along dim; the sizes must add up to the dim's size.</summary>
    public Tensor[] Split(int[] sizes, int dim = 0)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        Live("Split");
        if (Rank == 0) throw new ArgumentException("Split: cannot split a zero-dimensional tensor.");
        int d = Shapes.NormalizeDim(dim, Rank, "Split");
        long total = 0;
        foreach (var s in sizes)
        {
            if (s < 0) throw new ArgumentException($"Split: split sizes must be non-negative, got [{string.Join(", ", sizes)}].");
            total += s;
        }
        if (total != shape[d])
            throw new ArgumentException($"Split: split sizes [{string.Join(", ", sizes)}] add up to {total}, but dim {dim} has size {shape[d]} (shape {Shapes.Format(shape)}).");
        return SplitBySizes(sizes, d);
    }

    /// <summary>
    /// Up to <paramref name="chunks"/> views along dim, each of ceil(size / chunks) elements except the
    /// last (torch.chunk: fewer pieces may come back, e.g. 5 elements in 4 chunks give 3 pieces).
    /// </summary>
    public Tensor[] Chunk(int chunks, int dim = 0)
    {
        Live("Chunk");
        if (Rank == 0) throw new ArgumentException("Chunk: cannot chunk a zero-dimensional tensor.");
        if (chunks <= 0) throw new ArgumentException($"Chunk: the number of chunks must be positive, got {chunks}.");
        int d = Shapes.NormalizeDim(dim, Rank, "Chunk");
        int n = shape[d];
        // An empty dim gives `chunks` empty pieces, as in PyTorch.
        if (n == 0) return SplitBySizes(new int[chunks], d);
        return Split((n + chunks - 1) / chunks, d);
    }

    Tensor[] SplitBySizes(int[] sizes, int d)
    {
        var parts = new Tensor[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Narrow(d, start, sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    // PyTorch's legacy rule: a 1-d tensor of size 0 may join tensors of any shape and is ignored.
    static bool IsLegacyEmpty(Tensor t) => t.Rank == 1 && t.shape[0] == 0;

    static void CheckCatShape(Tensor t, int index, Tensor reference, int referenceIndex, int d)
    {
        bool ok = t.Rank == reference.Rank;
        for (int k = 0; ok && k < t.Rank; k++) ok = k == d || t.shape[k] == reference.shape[k];
        if (!ok)
            throw new ArgumentException(
                $"Cat: tensor {index} has shape {Shapes.Format(t.shape)} but tensor {referenceIndex} has shape {Shapes.Format(reference.shape)}; sizes must match except in dim {d}.");
    }

    /// <summary>Copies <paramref name="src"/> into <paramref name="dst"/>, converting to dst's dtype, without recording.</summary>
    static void CopyCast(Tensor src, Tensor dst)
    {
        if (src.NumElements == 0) return;
        using (GradMode.Disable())
        {
            using var cast = src.InDType(dst.DType);
            StridedCopy.Copy(cast, dst);
        }
    }

    /// <summary>Narrow and Select views for kernels: no checks beyond the caller's and no autograd.</summary>
    internal Tensor SliceRaw(int d, int start, int length)
    {
        var s = (int[])shape.Clone();
        s[d] = length;
        return new Tensor(storage, DType, s, strides, offset + start * strides[d]);
    }

    internal Tensor SelectRaw(int d, int index)
        => new(storage, DType, shape.Where((_, i) => i != d).ToArray(), strides.Where((_, i) => i != d).ToArray(), offset + index * strides[d]);

    sealed class CatBackward(int dim, int[] sizes) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var grads = new Tensor?[sizes.Length];
            int start = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                if (!NeedsInputGrad(i)) { start += Math.Max(sizes[i], 0); continue; }
                // A skipped [0] input gets an empty gradient of its own shape.
                grads[i] = sizes[i] < 0 ? Full([0], 0, g.DType) : g.Narrow(dim, start, sizes[i]);
                start += Math.Max(sizes[i], 0);
            }
            return grads;
        }
    }

    sealed class StackBackward(int dim, int count) : Node
    {
        protected internal override Tensor?[] Backward(Tensor g)
        {
            var grads = new Tensor?[count];
            for (int i = 0; i < count; i++) grads[i] = NeedsInputGrad(i) ? g.Select(dim, i) : null;
            return grads;
        }
    }
}
