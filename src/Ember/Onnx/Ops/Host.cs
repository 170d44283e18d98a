namespace Ember.Onnx.Ops;

/// <summary>
/// Small element loops for ONNX semantics Ember's ops do not cover (integer division, Mod, Erf, ...).
/// They work on row-major copies; the values involved in such ops are small in practice.
/// </summary>
internal static class Host
{
    /// <summary>
    /// x as a new handle on the same data. Unlike Alias it keeps autograd history, so gradients pass
    /// through when the graph runs as a trainable module (OnnxModule).
    /// </summary>
    public static Tensor Same(Tensor x) => x.Expand(x.Shape);

    /// <summary>f applied to every element, computed in double, cast to <paramref name="outType"/> (default: the input's dtype).</summary>
    public static Tensor Map(Tensor x, Func<double, double> f, DType? outType = null)
    {
        var v = OnnxTensors.ToDoubles(x);
        for (int i = 0; i < v.Length; i++) v[i] = f(v[i]);
        return OnnxTensors.FromDoubles(v, x.Shape, outType ?? x.DType);
    }

    /// <summary>f on every element as long (exact for integer types).</summary>
    public static Tensor MapLong(Tensor x, Func<long, long> f)
    {
        var v = OnnxTensors.ToLongs(x);
        for (int i = 0; i < v.Length; i++) v[i] = f(v[i]);
        return OnnxTensors.FromLongs(v, x.Shape, x.DType);
    }

    /// <summary>f on broadcast pairs, computed in double.</summary>
    public static Tensor Zip(Tensor a, Tensor b, Func<double, double, double> f, DType outType, string op)
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var x = Expanded(a, shape, OnnxTensors.ToDoubles);
        var y = Expanded(b, shape, OnnxTensors.ToDoubles);
        for (int i = 0; i < x.Length; i++) x[i] = f(x[i], y[i]);
        return OnnxTensors.FromDoubles(x, shape, outType);
    }

    /// <summary>f on broadcast pairs, computed in long (exact for integer types).</summary>
    public static Tensor ZipLong(Tensor a, Tensor b, Func<long, long, long> f, DType outType, string op)
    {
        var shape = Shapes.Broadcast(a.Shape, b.Shape, op);
        var x = Expanded(a, shape, OnnxTensors.ToLongs);
        var y = Expanded(b, shape, OnnxTensors.ToLongs);
        for (int i = 0; i < x.Length; i++) x[i] = f(x[i], y[i]);
        return OnnxTensors.FromLongs(x, shape, outType);
    }

    public static T[] Expanded<T>(Tensor t, int[] shape, Func<Tensor, T[]> read)
    {
        if (Shapes.SameShape(t.Shape, shape)) return read(t);
        using var e = t.Expand(shape);
        return read(e);
    }

    /// <summary>An axis attribute or input normalised to [0, rank).</summary>
    public static int Axis(OnnxNode node, long axis, int rank, string what = "axis")
    {
        // A scalar accepts axis 0 (or −1) as its one implicit axis.
        int span = Math.Max(rank, 1);
        if (axis < -span || axis >= span)
            throw node.Error($"has {what} {axis}, out of range for an input of rank {rank}");
        return (int)(axis < 0 ? axis + span : axis);
    }

    public static Tensor Need(OnnxNode node, Tensor?[] inputs, int i, string name)
        => i < inputs.Length && inputs[i] is { } t ? t : throw node.Error($"needs its input {i} ({name}), which is missing");

    public static bool IsInteger(DType d) => d is DType.Int32 or DType.Int64 or DType.UInt8;

    /// <summary>Row-major strides of a shape in elements.</summary>
    public static long[] Strides(int[] shape)
    {
        var s = new long[shape.Length];
        long acc = 1;
        for (int i = shape.Length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
        return s;
    }

    public static int[] ToInts(OnnxNode node, long[] v, string what)
    {
        var r = new int[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            if (v[i] < int.MinValue || v[i] > int.MaxValue) throw node.Error($"has {what} [{string.Join(", ", v)}] with a value out of range");
            r[i] = (int)v[i];
        }
        return r;
    }
}
