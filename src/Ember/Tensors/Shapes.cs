namespace Ember;

/// <summary>Shape arithmetic shared by every op: counts, strides, dims, broadcasting, messages.</summary>
internal static class Shapes
{
    public static long Count(int[] shape)
    {
        long n = 1;
        foreach (var d in shape) n *= d;
        return n;
    }

    public static long CheckedCount(int[] shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentException($"shape {Format(shape)} has a negative dimension.");
            n = checked(n * d);
        }
        if (n > int.MaxValue) throw new ArgumentException($"shape {Format(shape)} has {n} elements; Ember tensors hold at most {int.MaxValue}.");
        return n;
    }

    public static long[] ContiguousStrides(int[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= Math.Max(shape[i], 1); }
        return s;
    }

    public static bool IsContiguous(int[] shape, long[] strides)
    {
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            if (shape[i] == 1) continue;
            if (shape[i] == 0) return true;
            if (strides[i] != acc) return false;
            acc *= shape[i];
        }
        return true;
    }

    public static int NormalizeDim(int dim, int rank, string op)
    {
        int r = Math.Max(rank, 1); // a 0-d tensor accepts dim 0 and -1, like PyTorch
        if (dim < -r || dim >= r)
            throw new ArgumentOutOfRangeException(nameof(dim), $"{op}: dim {dim} is out of range for a tensor of rank {rank} (expected {-r}..{r - 1}).");
        return dim < 0 ? dim + r : dim;
    }

    /// <summary>Normalised, sorted, distinct dims; null or empty means every dim.</summary>
    public static int[] NormalizeDims(int[]? dims, int rank, string op)
    {
        if (dims is null || dims.Length == 0) return Enumerable.Range(0, rank).ToArray();
        var set = new SortedSet<int>();
        foreach (var d in dims)
            if (!set.Add(NormalizeDim(d, rank, op)))
                throw new ArgumentException($"{op}: dim {d} appears more than once in [{string.Join(", ", dims)}].");
        return set.Where(d => d < rank).ToArray();
    }

    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>The broadcast shape of two shapes (numpy rules), or a clear error naming the op.</summary>
    public static int[] Broadcast(int[] a, int[] b, string op)
    {
        int r = Math.Max(a.Length, b.Length);
        var o = new int[r];
        for (int i = 0; i < r; i++)
        {
            int da = i < r - a.Length ? 1 : a[i - (r - a.Length)];
            int db = i < r - b.Length ? 1 : b[i - (r - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new ArgumentException($"{op}: shapes {Format(a)} and {Format(b)} cannot be broadcast together (dimension {i}: {da} vs {db}).");
            o[i] = da == 1 ? db : da;
        }
        return o;
    }

    /// <summary>Strides that read a tensor of <paramref name="shape"/>/<paramref name="strides"/> as <paramref name="target"/> (0 on broadcast dims).</summary>
    public static long[] BroadcastStrides(int[] shape, long[] strides, int[] target)
    {
        var s = new long[target.Length];
        int off = target.Length - shape.Length;
        for (int i = 0; i < shape.Length; i++)
            s[i + off] = shape[i] == 1 && target[i + off] != 1 ? 0 : strides[i];
        return s;
    }

    /// <summary>Resolves a single -1 in a reshape target.</summary>
    public static int[] InferReshape(int[] target, long count, int[] from, string op)
    {
        var o = (int[])target.Clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < o.Length; i++)
        {
            if (o[i] == -1)
            {
                if (infer >= 0) throw new ArgumentException($"{op}: only one dimension may be -1, got {Format(target)}.");
                infer = i;
            }
            else if (o[i] < 0) throw new ArgumentException($"{op}: invalid dimension {o[i]} in {Format(target)}.");
            else known *= o[i];
        }
        if (infer >= 0)
        {
            if (known == 0 || count % known != 0)
                throw new ArgumentException($"{op}: cannot reshape a tensor of shape {Format(from)} ({count} elements) into {Format(target)}.");
            o[infer] = (int)(count / known);
        }
        else if (known != count)
            throw new ArgumentException($"{op}: cannot reshape a tensor of shape {Format(from)} ({count} elements) into {Format(target)} ({known} elements).");
        return o;
    }

    public static bool SameShape(int[] a, int[] b) => a.AsSpan().SequenceEqual(b);
}
