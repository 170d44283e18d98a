using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Lion (Chen et al., "Symbolic Discovery of Optimization Algorithms"): the step is the sign of an
/// interpolation of momentum and gradient; weight decay is decoupled (p *= 1 - lr·wd). Default rates are
/// 3-10x smaller than Adam's. Group keys: lr, beta1, beta2, weight_decay, maximize. State: exp_avg.
/// </summary>
public sealed class Lion : Optimizer
{
    public Lion(IEnumerable<Parameter> parameters, double lr = 1e-4, (double, double)? betas = null, double weightDecay = 0, bool maximize = false)
        : this(OneGroup(parameters), lr, betas, weightDecay, maximize) { }

    public Lion(IEnumerable<ParamGroup> groups, double lr = 1e-4, (double, double)? betas = null, double weightDecay = 0, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["beta1"] = (betas ?? (0.9, 0.99)).Item1, ["beta2"] = (betas ?? (0.9, 0.99)).Item2,
            ["weight_decay"] = weightDecay, ["maximize"] = maximize ? 1 : 0,
        }) { }

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["exp_avg"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["beta1"] is >= 0 and <= 1, h, "beta1", "beta1", "betas must lie in [0, 1]", where);
        Require(h["beta2"] is >= 0 and <= 1, h, "beta2", "beta2", "betas must lie in [0, 1]", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double lr = group.LearningRate, beta1 = group["beta1"], beta2 = group["beta2"];
        var op = new Rule<T>(T.CreateTruncating(lr), T.CreateTruncating(1 - lr * group.WeightDecay),
            T.CreateTruncating(beta1), T.CreateTruncating(1 - beta1), T.CreateTruncating(beta2), T.CreateTruncating(1 - beta2),
            group.Flag("maximize") ? -T.One : T.One);
        FusedUpdate.Run(op, p, g, state.Buffer<T>(0), default, default);
    }

    readonly struct Rule<T>(T lr, T decay, T beta1, T oneMinusBeta1, T beta2, T oneMinusBeta2, T sign)
        : IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> m, ref Vector<T> unused1, ref Vector<T> unused2)
        {
            g *= sign;
            p *= decay;
            var c = m * beta1 + g * oneMinusBeta1;
            // sign(c), with sign(0) = 0
            var update = Vector.ConditionalSelect(Vector.GreaterThan(c, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero)
                       - Vector.ConditionalSelect(Vector.LessThan(c, Vector<T>.Zero), Vector<T>.One, Vector<T>.Zero);
            p -= update * lr;
            m = m * beta2 + g * oneMinusBeta2;
        }
    }
}
