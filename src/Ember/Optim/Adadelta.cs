using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Adadelta (Zeiler), as torch.optim.Adadelta: steps scaled by the ratio of running root-mean-squares of
/// past updates and of gradients. Group keys: lr, rho, eps, weight_decay, maximize. State: square_avg, acc_delta.
/// </summary>
public sealed class Adadelta : Optimizer
{
    public Adadelta(IEnumerable<Parameter> parameters, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : this(OneGroup(parameters), lr, rho, eps, weightDecay, maximize) { }

    public Adadelta(IEnumerable<ParamGroup> groups, double lr = 1.0, double rho = 0.9, double eps = 1e-6, double weightDecay = 0, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["rho"] = rho, ["eps"] = eps, ["weight_decay"] = weightDecay, ["maximize"] = maximize ? 1 : 0,
        }) { }

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["square_avg", "acc_delta"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["rho"] is >= 0 and <= 1, h, "rho", "rho", "it must lie in [0, 1]", where);
        Require(h["eps"] >= 0, h, "eps", "eps", "it must be non-negative", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double rho = group["rho"];
        var op = new Rule<T>(T.CreateTruncating(group.LearningRate), T.CreateTruncating(rho), T.CreateTruncating(1 - rho),
            T.CreateTruncating(group["eps"]), T.CreateTruncating(group.WeightDecay), group.Flag("maximize") ? -T.One : T.One);
        FusedUpdate.Run(op, p, g, state.Buffer<T>(0), state.Buffer<T>(1), default);
    }

    readonly struct Rule<T>(T lr, T rho, T oneMinusRho, T eps, T wd, T sign) : IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> squareAvg, ref Vector<T> accDelta, ref Vector<T> unused)
        {
            var e = new Vector<T>(eps);
            g = g * sign + p * wd;
            squareAvg = squareAvg * rho + g * oneMinusRho * g;
            var delta = Vector.SquareRoot(accDelta + e) / Vector.SquareRoot(squareAvg + e) * g;
            accDelta = accDelta * rho + delta * oneMinusRho * delta;
            p -= delta * lr;
        }
    }
}
