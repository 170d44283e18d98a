namespace Ember;

/// <summary>Switches and utilities of automatic differentiation.</summary>
public static class Autograd
{
    /// <summary>Stops recording the graph on this thread until disposed: <c>using (Autograd.NoGrad()) { ... }</c>.</summary>
    public static IDisposable NoGrad() => GradMode.Disable();

    /// <summary>Whether ops record the graph on this thread right now.</summary>
    public static bool IsGradEnabled => GradMode.Enabled;

    /// <summary>Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, leaving every .Grad untouched.</summary>
    public static Tensor?[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor?[]? gradOutputs = null, bool retainGraph = false)
        => Engine.Grad(outputs, inputs, gradOutputs, retainGraph);

    /// <summary>
    /// Checks the analytical gradient of <paramref name="f"/> against central finite differences.
    /// Inputs must be Float64 tensors; those that require grad are checked. A random projection of the
    /// output (fixed seed) turns the Jacobian check into a vector–Jacobian product check, and each
    /// input element is perturbed by ±eps. Throws with the worst mismatch when they disagree.
    /// </summary>
    public static bool GradCheck(Func<Tensor[], Tensor> f, Tensor[] inputs, double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3)
    {
        foreach (var t in inputs)
            if (t.RequiresGrad && t.DType != DType.Float64)
                throw new ArgumentException($"GradCheck: inputs that require grad must be Float64 for finite differences to be meaningful, got {t.DType}.");
        var checkedInputs = inputs.Where(t => t.RequiresGrad).ToArray();
        if (checkedInputs.Length == 0) throw new ArgumentException("GradCheck: no input requires grad.");

        // Analytical: d(sum(f(x) * v))/dx.
        Tensor projection;
        Tensor?[] analytical;
        using (var y = f(inputs))
        {
            if (!y.DType.IsFloatingPoint()) throw new ArgumentException($"GradCheck: f returned a {y.DType} tensor; it must be floating-point.");
            using var v0 = Tensor.Randn(y.shape, new Generator(1234));
            projection = v0.To(y.DType);
            if (!y.RequiresGrad)
                analytical = new Tensor?[checkedInputs.Length];
            else
                analytical = Engine.Grad([y], checkedInputs, [projection], retainGraph: false);
        }

        using (projection)
        using (GradMode.Disable())
        {
            for (int i = 0; i < checkedInputs.Length; i++)
            {
                var x = checkedInputs[i];
                if (!x.IsContiguous) throw new ArgumentException("GradCheck: inputs must be contiguous.");
                var data = x.Span<double>();
                using var ana = analytical[i] is { } a ? a.To(DType.Float64).Contiguous() : Tensor.Zeros(x.shape, DType.Float64);
                var anaValues = ana.ToArray<double>();
                for (int j = 0; j < data.Length; j++)
                {
                    double orig = data[j];
                    data[j] = orig + eps; double plus = Projected(f, inputs, projection);
                    data[j] = orig - eps; double minus = Projected(f, inputs, projection);
                    data[j] = orig;
                    double numeric = (plus - minus) / (2 * eps);
                    double diff = Math.Abs(numeric - anaValues[j]);
                    if (diff > atol + rtol * Math.Abs(numeric))
                        throw new InvalidOperationException(
                            $"GradCheck: input {i} (shape {Shapes.Format(x.shape)}), element {j}: analytical gradient {anaValues[j]:G10} but finite differences give {numeric:G10} (|diff| {diff:G3}).");
                }
                analytical[i]?.Dispose();
            }
        }
        return true;
    }

    static double Projected(Func<Tensor[], Tensor> f, Tensor[] inputs, Tensor v)
    {
        using var y = f(inputs);
        using var yd = y.To(DType.Float64);
        using var vd = v.To(DType.Float64);
        using var p = yd * vd;
        using var s = p.Sum();
        return s.Item<double>();
    }
}

/// <summary>
/// A differentiable function defined in user code: override Forward (plain tensor code, not recorded)
/// and Backward (gradients of the inputs given the output's gradient), then call Apply.
/// </summary>
/// <example><code>
/// sealed class Square : CustomFunction
/// {
///     protected override Tensor Forward(FunctionContext ctx, Tensor[] x) { ctx.SaveForBackward(x[0]); return x[0] * x[0]; }
///     protected override Tensor?[] Backward(FunctionContext ctx, Tensor g) => [g * ctx.Saved[0] * 2];
/// }
/// var y = new Square().Apply(x);
/// </code></example>
public abstract class CustomFunction
{
    protected abstract Tensor Forward(FunctionContext ctx, Tensor[] inputs);
    protected abstract Tensor?[] Backward(FunctionContext ctx, Tensor gradOutput);

    public Tensor Apply(params Tensor[] inputs)
    {
        var ctx = new FunctionContext(GetType().Name);
        Tensor y;
        using (GradMode.Disable()) y = Forward(ctx, inputs);
        if (GradMode.ShouldRecord(inputs))
        {
            ctx.NeedsInputGrad = inputs.Select(t => t.RequiresGrad).ToArray();
            GradMode.Record(y, new FunctionNode(this, ctx), inputs);
        }
        else ctx.Release();
        return y;
    }

    sealed class FunctionNode(CustomFunction fn, FunctionContext ctx) : Node
    {
        public override string Name => ctx.Name + "Backward";
        protected internal override Tensor?[] Backward(Tensor g) => fn.Backward(ctx, g);
        protected override void ReleaseSaved() => ctx.Release();
    }
}

/// <summary>What a <see cref="CustomFunction"/> keeps between forward and backward.</summary>
public sealed class FunctionContext
{
    readonly List<Saved> saved = [];
    internal FunctionContext(string name) => Name = name;
    internal string Name { get; }

    /// <summary>Which inputs need a gradient (Backward may return null for the others).</summary>
    public bool[] NeedsInputGrad { get; internal set; } = [];

    /// <summary>Keeps tensors for Backward; an in-place change to them afterwards is reported.</summary>
    public void SaveForBackward(params Tensor[] tensors)
    {
        foreach (var t in tensors) saved.Add(new Saved(t, Name));
    }

    public IReadOnlyList<Tensor> Saved => saved.Select(s => s.Value).ToList();

    internal void Release()
    {
        foreach (var s in saved) s.Release();
        saved.Clear();
    }
}
