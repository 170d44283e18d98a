using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Owns a list of parameters, their per-parameter state and the learning rate; a subclass supplies
/// the update rule for one parameter, run under no-grad as one fused pass over its elements.
/// </summary>
public abstract class Optimizer
{
    protected readonly Parameter[] Params;

    protected Optimizer(IEnumerable<Parameter> parameters, double lr)
    {
        Params = parameters.ToArray();
        if (Params.Length == 0) throw new ArgumentException($"{GetType().Name}: the parameter list is empty.");
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, $"{GetType().Name}: the learning rate must be non-negative.");
        LearningRate = lr;
    }

    /// <summary>The current learning rate (schedulers change it).</summary>
    public double LearningRate { get; set; }

    /// <summary>How many steps have been taken.</summary>
    public long StepCount { get; private set; }

    /// <summary>Drops every gradient (PyTorch's default set_to_none).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Params) p.ZeroGrad();
    }

    /// <summary>Updates every parameter that has a gradient.</summary>
    public void Step()
    {
        StepCount++;
        using (Autograd.NoGrad())
            for (int i = 0; i < Params.Length; i++)
            {
                var p = Params[i];
                if (p.Grad is not { } g) continue;
                if (p.DType != DType.Float32 || !p.IsContiguous)
                    throw new NotSupportedException($"{GetType().Name}: parameter {i} is {p.DType}{(p.IsContiguous ? "" : ", non-contiguous")}; optimizers update contiguous Float32 parameters.");
                using var gc = g.IsContiguous && g.DType == DType.Float32 ? g.Detach() : g.To(DType.Float32).Contiguous();
                Update(i, p.Span<float>(), gc.Span<float>());
                p.BumpVersion();
            }
    }

    /// <summary>The update rule for parameter <paramref name="index"/>: change <paramref name="param"/> in place given its gradient.</summary>
    protected abstract void Update(int index, Span<float> param, ReadOnlySpan<float> grad);

    /// <summary>Per-parameter state buffers, allocated on first use (zeros).</summary>
    protected float[] State(ref float[]?[] slots, int index)
    {
        if (slots.Length != Params.Length) Array.Resize(ref slots, Params.Length);
        return slots[index] ??= new float[Params[index].NumElements];
    }
}
