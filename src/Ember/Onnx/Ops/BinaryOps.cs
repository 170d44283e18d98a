using Ember.Onnx.Export;
namespace Ember.Onnx.Ops;

/// <summary>
/// Broadcasting two-input ops: arithmetic (Add … Pow, Mod), comparisons, logic, the variadic
/// Max/Min/Sum/Mean and Where. ONNX keeps the input dtype (integer Div truncates), unlike PyTorch.
/// </summary>
internal static class BinaryOps
{
    public static void Register(Dictionary<string, OnnxImporter> r)
    {
        r["Add"] = n => Binary(n, (a, b) => a.Add(b));
        r["Sub"] = n => Binary(n, (a, b) => a.Sub(b));
        r["Mul"] = n => Binary(n, (a, b) => a.Mul(b));
        r["Div"] = n => Binary(n, (a, b) => a.DType.IsFloatingPoint() ? a.Div(b)
            : Host.ZipLong(a, b, (x, y) => y == 0 ? throw new DivideByZeroException($"Div: integer division by zero.") : x / y, a.DType, "Div"));
        r["Pow"] = n => Binary(n, Pow, sameType: false);
        r["Mod"] = Mod;
        r["Equal"] = n => Binary(n, (a, b) => a.Eq(b));
        r["Less"] = n => Binary(n, (a, b) => a.Lt(b));
        r["LessOrEqual"] = n => Binary(n, (a, b) => a.Le(b));
        r["Greater"] = n => Binary(n, (a, b) => a.Gt(b));
        r["GreaterOrEqual"] = n => Binary(n, (a, b) => a.Ge(b));
        r["And"] = n => Binary(n, (a, b) => a.LogicalAnd(b));
        r["Or"] = n => Binary(n, (a, b) => a.LogicalOr(b));
        r["Xor"] = n => Binary(n, (a, b) => a.LogicalXor(b));
        r["Max"] = n => Variadic(n, (a, b) => a.Maximum(b));
        r["Min"] = n => Variadic(n, (a, b) => a.Minimum(b));
        r["Sum"] = n => Variadic(n, (a, b) => a.Add(b));
        r["Mean"] = n =>
        {
            var sum = Variadic(n, (a, b) => a.Add(b));
            return inputs =>
            {
                using var s = sum(inputs)[0]!;
                using var count = Tensor.Scalar(inputs.Length, s.DType);
                return [s.Div(count)];
            };
        };
        r["Where"] = n =>
        {
            n.ExpectInputs(3, 3);
            return inputs => [Tensor.Where(Host.Need(n, inputs, 0, "condition"), Host.Need(n, inputs, 1, "X"), Host.Need(n, inputs, 2, "Y"))];
        };
    }

    static OnnxKernel Binary(OnnxNode node, Func<Tensor, Tensor, Tensor> f, bool sameType = true)
    {
        node.ExpectInputs(2, 2);
        // Before opset 7, broadcasting had to be asked for, and 'axis' aligned B inside A.
        bool legacy = node.Opset < 7 && node.Int("broadcast", 0) != 0;
        long? axis = legacy ? node.IntOrNull("axis") : null;
        return inputs =>
        {
            var a = Host.Need(node, inputs, 0, "A");
            var b = Host.Need(node, inputs, 1, "B");
            if (sameType && a.DType != b.DType)
                throw new ArgumentException($"{node.OpType}: the inputs have different types, {a.DType} {Shapes.Format(a.Shape)} and {b.DType} {Shapes.Format(b.Shape)}.");
            if (axis is long ax)
            {
                int start = Host.Axis(node, ax, a.Rank);
                var shape = b.Shape.Concat(Enumerable.Repeat(1, Math.Max(0, a.Rank - start - b.Rank))).ToArray();
                using var bb = b.Reshape(shape);
                return [f(a, bb)];
            }
            return [f(a, b)];
        };
    }

    /// <summary>Pow's result has the base's type; mixed types compute in double.</summary>
    static Tensor Pow(Tensor a, Tensor b)
    {
        if (a.DType == b.DType && a.DType.IsFloatingPoint()) return a.Pow(b);
        if (Host.IsInteger(a.DType) && Host.IsInteger(b.DType))
            return Host.ZipLong(a, b, (x, y) => y < 0 ? (long)Math.Pow(x, y) : IntPow(x, y), a.DType, "Pow");
        return Host.Zip(a, b, Math.Pow, a.DType, "Pow");
    }

    static long IntPow(long x, long y)
    {
        long r = 1;
        while (y > 0) { if ((y & 1) != 0) r = unchecked(r * x); x = unchecked(x * x); y >>= 1; }
        return r;
    }

    static OnnxKernel Mod(OnnxNode node)
    {
        bool fmod = node.Int("fmod", 0) != 0;
        return Binary(node, (a, b) =>
        {
            if (a.DType.IsFloatingPoint())
            {
                if (!fmod) throw new ArgumentException($"Mod: floating-point inputs ({a.DType}) need fmod = 1.");
                return Host.Zip(a, b, (x, y) => x % y, a.DType, "Mod");
            }
            return Host.ZipLong(a, b, (x, y) =>
            {
                if (y == 0) throw new DivideByZeroException("Mod: integer modulo by zero.");
                long m = x % y;
                // fmod = 0 takes the divisor's sign, like Python's %.
                if (!fmod && m != 0 && (m < 0) != (y < 0)) m += y;
                return m;
            }, a.DType, "Mod");
        });
    }

    static OnnxKernel Variadic(OnnxNode node, Func<Tensor, Tensor, Tensor> f)
    {
        if (node.InputCount < 1) throw node.Error("needs at least one input");
        return inputs =>
        {
            var acc = Host.Same(Host.Need(node, inputs, 0, "data_0"));
            for (int i = 1; i < inputs.Length; i++)
            {
                var next = f(acc, Host.Need(node, inputs, i, $"data_{i}"));
                acc.Dispose();
                acc = next;
            }
            return [acc];
        };
    }

    // ---- export ----

    /// <summary>+ − × ÷, power, maximum and minimum (Neg is a product with −1); operands are cast to the result type.</summary>
    internal static void Export(OnnxTracer t, string name, Tensor a, Tensor b, Tensor y)
    {
        string? op = name switch
        {
            "Add" => "Add", "Sub" => "Sub", "Mul" or "Neg" => "Mul", "Div" => "Div", "Pow" => "Pow",
            "Maximum" => "Max", "Minimum" => "Min", _ => null,
        };
        if (op is null || y.DType == DType.Bool) return; // not exported: a consumer reports the op
        t.Emit(op, y, [t.As(a, y.DType), t.As(b, y.DType)]);
    }

    /// <summary>Comparisons and logical ops, giving Bool; operands are cast to their common type (to Bool for the logical ones).</summary>
    internal static void ExportCompare(OnnxTracer t, string name, Tensor a, Tensor b, Tensor y)
    {
        var common = DTypes.ResultType(a, b);
        bool logical = name is "LogicalAnd" or "LogicalOr" or "LogicalXor";
        var type = logical ? DType.Bool : common;
        string ai = t.As(a, type), bi = t.As(b, type);
        string result = name switch
        {
            "Eq" => t.Emit("Equal", [ai, bi]),
            "Ne" => t.Emit("Not", [t.Emit("Equal", [ai, bi])]),
            "Lt" => t.Emit("Less", [ai, bi]),
            "Le" => t.Emit("LessOrEqual", [ai, bi]),
            "Gt" => t.Emit("Greater", [ai, bi]),
            "Ge" => t.Emit("GreaterOrEqual", [ai, bi]),
            "LogicalAnd" => t.Emit("And", [ai, bi]),
            "LogicalOr" => t.Emit("Or", [ai, bi]),
            "LogicalXor" => t.Emit("Xor", [ai, bi]),
            "LogicalNot" => t.Emit("Equal", [ai, bi]),
            _ => throw new NotSupportedException($"OnnxExporter: the comparison {name} has no ONNX export."),
        };
        t.Bind(y, result);
    }

    /// <summary>Where(condition, a, b); a non-Bool condition is read as "non-zero".</summary>
    internal static void ExportWhere(OnnxTracer t, Tensor condition, Tensor a, Tensor b, Tensor y)
        => t.Emit("Where", y, [t.As(condition, DType.Bool), t.As(a, y.DType), t.As(b, y.DType)]);
}
