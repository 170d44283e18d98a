using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// RMSprop (Hinton), as torch.optim.RMSprop: a running mean of squared gradients (optionally centred by the
/// mean gradient) scales each step; optional momentum. Group keys: lr, alpha, eps, weight_decay, momentum,
/// centered, maximize. State: square_avg, momentum_buffer (momentum &gt; 0), grad_avg (centered).
/// </summary>
public sealed class RMSprop : Optimizer
{
    public RMSprop(IEnumerable<Parameter> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : this(OneGroup(parameters), lr, alpha, eps, weightDecay, momentum, centered, maximize) { }

    public RMSprop(IEnumerable<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8, double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["alpha"] = alpha, ["eps"] = eps, ["weight_decay"] = weightDecay, ["momentum"] = momentum,
            ["centered"] = centered ? 1 : 0, ["maximize"] = maximize ? 1 : 0,
        }) { }

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["square_avg", "momentum_buffer", "grad_avg"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["eps"] >= 0, h, "eps", "eps", "it must be non-negative", where);
        Require(h["momentum"] >= 0, h, "momentum", "momentum", "it must be non-negative", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
        Require(h["alpha"] >= 0, h, "alpha", "alpha", "it must be non-negative", where);
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double alpha = group["alpha"], momentum = group["momentum"];
        bool centered = group.Flag("centered");
        var op = new Rule<T>(
            T.CreateTruncating(group.LearningRate), T.CreateTruncating(alpha), T.CreateTruncating(1 - alpha), T.CreateTruncating(group["eps"]),
            T.CreateTruncating(group.WeightDecay), T.CreateTruncating(momentum), group.Flag("maximize") ? -T.One : T.One, momentum > 0, centered);
        FusedUpdate.Run(op, p, g, state.Buffer<T>(0), momentum > 0 ? state.Buffer<T>(1) : default, centered ? state.Buffer<T>(2) : default);
    }

    readonly struct Rule<T>(T lr, T alpha, T oneMinusAlpha, T eps, T wd, T mu, T sign, bool momentum, bool centered)
        : IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> squareAvg, ref Vector<T> buf, ref Vector<T> gradAvg)
        {
            g = g * sign + p * wd;
            squareAvg = squareAvg * alpha + g * oneMinusAlpha * g;
            Vector<T> avg;
            if (centered)
            {
                gradAvg = gradAvg * alpha + g * oneMinusAlpha;
                avg = Vector.SquareRoot(squareAvg - gradAvg * gradAvg);
            }
            else avg = Vector.SquareRoot(squareAvg);
            avg += new Vector<T>(eps);
            if (momentum)
            {
                buf = buf * mu + g / avg;
                p -= buf * lr;
            }
            else p -= g / avg * lr;
        }
    }
}
