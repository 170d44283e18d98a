using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Adagrad (Duchi et al.), as torch.optim.Adagrad: each element's step is scaled by the root of its summed
/// squared gradients; the rate decays as lr / (1 + (step - 1)·lr_decay). Group keys: lr, lr_decay,
/// weight_decay, initial_accumulator_value, eps, maximize. State: sum.
/// </summary>
public sealed class Adagrad : Optimizer
{
    public Adagrad(IEnumerable<Parameter> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : this(OneGroup(parameters), lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize) { }

    public Adagrad(IEnumerable<ParamGroup> groups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0, double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["lr_decay"] = lrDecay, ["weight_decay"] = weightDecay,
            ["initial_accumulator_value"] = initialAccumulatorValue, ["eps"] = eps, ["maximize"] = maximize ? 1 : 0,
        }) { }

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["sum"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["lr_decay"] >= 0, h, "lr_decay", "lr_decay", "it must be non-negative", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
        Require(h["initial_accumulator_value"] >= 0, h, "initial_accumulator_value", "initial_accumulator_value", "it must be non-negative", where);
        Require(h["eps"] >= 0, h, "eps", "eps", "it must be non-negative", where);
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double clr = group.LearningRate / (1 + (state.Step - 1) * group["lr_decay"]);
        var op = new Rule<T>(T.CreateTruncating(clr), T.CreateTruncating(group["eps"]), T.CreateTruncating(group.WeightDecay), group.Flag("maximize") ? -T.One : T.One);
        FusedUpdate.Run(op, p, g, state.Buffer<T>(0, group["initial_accumulator_value"]), default, default);
    }

    readonly struct Rule<T>(T clr, T eps, T wd, T sign) : IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> sum, ref Vector<T> unused1, ref Vector<T> unused2)
        {
            g = g * sign + p * wd;
            sum += g * g;
            p -= g / (Vector.SquareRoot(sum) + new Vector<T>(eps)) * clr;
        }
    }
}
