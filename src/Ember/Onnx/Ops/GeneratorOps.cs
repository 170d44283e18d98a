namespace Ember.Onnx.Ops;

/// <summary>Values made from attributes or shapes, and type changes: Constant, ConstantOfShape, Range, Cast, CastLike, Dropout.</summary>
internal static class GeneratorOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Constant"] = Constant;
        r["ConstantOfShape"] = ConstantOfShape;
        r["Range"] = Range;
        r["Cast"] = n =>
        {
            long to = n.IntOrNull("to") ?? throw n.Error("has no 'to' attribute");
            var dtype = OnnxTypes.ToDType((int)to, $"the target type of {n.Describe()}");
            return ElementwiseOps.Unary(n, x => Cast(x, dtype));
        };
        r["CastLike"] = n =>
        {
            n.ExpectInputs(2, 2);
            return inputs => [Cast(Host.Need(n, inputs, 0, "input"), Host.Need(n, inputs, 1, "target_type").DType)];
        };
        r["Dropout"] = Dropout;
    }

    static Tensor Cast(Tensor x, DType to)
    {
        if (to == DType.Bool && x.DType != DType.Bool) return Host.Map(x, v => v != 0 ? 1 : 0, DType.Bool);
        return x.To(to);
    }

    static OnnxKernel Constant(OnnxNode node)
    {
        node.ExpectInputs(0, 0);
        Tensor value;
        if (node.Tensor("value") is { } t) value = t;
        else if (node.FloatOrNull("value_float") is float f) value = Tensor.Scalar(f);
        else if (node.IntOrNull("value_int") is long i) value = Tensor.Scalar(i);
        else if (node.Floats("value_floats") is { } fs) value = Tensor.FromArray(fs, fs.Length);
        else if (node.Ints("value_ints") is { } ints) value = Tensor.FromArray(ints, ints.Length);
        else if (node.Has("value_string") || node.Has("value_strings"))
            throw new NotSupportedException($"ONNX: {node.Describe()} holds strings, which Ember does not support.");
        else if (node.Has("sparse_value"))
            throw new NotSupportedException($"ONNX: {node.Describe()} holds a sparse tensor, which Ember does not read.");
        else throw node.Error("has no value attribute");
        // The kernel hands out new handles to one shared, never-written tensor.
        return _ => [value.Alias()];
    }

    static OnnxKernel ConstantOfShape(OnnxNode node)
    {
        node.ExpectInputs(1, 1);
        double fill = 0;
        var dtype = DType.Float32;
        if (node.Tensor("value") is { } v)
        {
            using (v)
            {
                if (v.NumElements != 1) throw node.Error($"has a value of shape {Shapes.Format(v.Shape)}; expected one element");
                fill = OnnxTensors.ToDoubles(v)[0];
                dtype = v.DType;
            }
        }
        return inputs =>
        {
            var shape = Host.ToInts(node, OnnxTensors.ToLongs(Host.Need(node, inputs, 0, "input")), "shape");
            if (shape.Any(d => d < 0)) throw new ArgumentException($"ConstantOfShape: the shape {Shapes.Format(shape)} has a negative size.");
            return [Tensor.Full(shape, fill, dtype)];
        };
    }

    static OnnxKernel Range(OnnxNode node)
    {
        node.ExpectInputs(3, 3);
        return inputs =>
        {
            var s = Host.Need(node, inputs, 0, "start");
            var l = Host.Need(node, inputs, 1, "limit");
            var d = Host.Need(node, inputs, 2, "delta");
            if (s.NumElements != 1 || l.NumElements != 1 || d.NumElements != 1)
                throw new ArgumentException($"Range: start, limit and delta must be scalars, got {Shapes.Format(s.Shape)}, {Shapes.Format(l.Shape)} and {Shapes.Format(d.Shape)}.");
            double start = OnnxTensors.ToDoubles(s)[0], limit = OnnxTensors.ToDoubles(l)[0], delta = OnnxTensors.ToDoubles(d)[0];
            if (delta == 0) throw new ArgumentException("Range: delta must not be zero.");
            double count = Math.Max(Math.Ceiling((limit - start) / delta), 0);
            if (count > int.MaxValue) throw new ArgumentException($"Range: start {start}, limit {limit} and delta {delta} give {count} elements, too many.");
            var values = new double[(int)count];
            for (int i = 0; i < values.Length; i++) values[i] = start + i * delta;
            return [OnnxTensors.FromDoubles(values, [values.Length], s.DType)];
        };
    }

    static OnnxKernel Dropout(OnnxNode node)
    {
        node.ExpectInputs(1, 3);
        bool wantMask = node.OutputCount > 1 && node.Outputs[1].Length > 0;
        return inputs =>
        {
            var x = Host.Need(node, inputs, 0, "data");
            if (inputs.Length > 2 && inputs[2] is { } training && OnnxTensors.ToDoubles(training) is [var t] && t != 0)
                throw new NotSupportedException($"ONNX: {node.Describe()} runs in training mode; Ember imports Dropout for inference only.");
            // In inference every element is kept.
            return wantMask ? [Host.Same(x), Tensor.Ones(x.Shape, DType.Bool)] : [Host.Same(x)];
        };
    }
}
