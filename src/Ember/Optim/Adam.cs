using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Adam (Kingma &amp; Ba), as torch.optim.Adam: L2 weight decay added to the gradient, optional AMSGrad and maximize.
/// Group keys: lr, beta1, beta2, eps, weight_decay, amsgrad, maximize. State: exp_avg, exp_avg_sq, max_exp_avg_sq (AMSGrad).
/// </summary>
public class Adam : Optimizer
{
    readonly bool decoupled;

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(OneGroup(parameters), lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : this(groups, lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: false) { }

    private protected Adam(IEnumerable<ParamGroup> groups, double lr, (double, double)? betas, double eps, double weightDecay, bool amsgrad, bool maximize, bool decoupled)
        : base(groups, MakeDefaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize))
    {
        this.decoupled = decoupled;
    }

    static Dictionary<string, double> MakeDefaults(double lr, (double B1, double B2) betas, double eps, double weightDecay, bool amsgrad, bool maximize) => new()
    {
        ["lr"] = lr, ["beta1"] = betas.B1, ["beta2"] = betas.B2, ["eps"] = eps, ["weight_decay"] = weightDecay,
        ["amsgrad"] = amsgrad ? 1 : 0, ["maximize"] = maximize ? 1 : 0,
    };

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["eps"] >= 0, h, "eps", "eps", "it must be non-negative", where);
        Require(h["beta1"] is >= 0 and < 1, h, "beta1", "beta1", "betas must lie in [0, 1)", where);
        Require(h["beta2"] is >= 0 and < 1, h, "beta2", "beta2", "betas must lie in [0, 1)", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double lr = group.LearningRate, beta1 = group["beta1"], beta2 = group["beta2"], wd = group.WeightDecay;
        bool amsgrad = group.Flag("amsgrad");
        long t = state.Step;
        double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t);
        var op = new Rule<T>(
            T.CreateTruncating(beta1), T.CreateTruncating(1 - beta1), T.CreateTruncating(beta2), T.CreateTruncating(1 - beta2),
            T.CreateTruncating(lr / bc1), T.CreateTruncating(Math.Sqrt(bc2)), T.CreateTruncating(group["eps"]),
            decoupled ? T.Zero : T.CreateTruncating(wd), T.CreateTruncating(decoupled ? 1 - lr * wd : 1),
            group.Flag("maximize") ? -T.One : T.One, amsgrad);
        FusedUpdate.Run(op, p, g, state.Buffer<T>(0), state.Buffer<T>(1), amsgrad ? state.Buffer<T>(2) : default);
    }

    readonly struct Rule<T>(T beta1, T oneMinusBeta1, T beta2, T oneMinusBeta2, T stepSize, T sqrtBc2, T eps, T l2, T decay, T sign, bool amsgrad)
        : IFusedUpdate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> m, ref Vector<T> v, ref Vector<T> vMax)
        {
            p *= decay; // AdamW's decoupled decay comes first, on the weights
            g = g * sign + p * l2;
            m = m * beta1 + g * oneMinusBeta1;
            v = v * beta2 + g * oneMinusBeta2 * g;
            if (amsgrad) vMax = Vector.Max(vMax, v);
            // p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps), PyTorch's arrangement.
            var denom = Vector.SquareRoot(amsgrad ? vMax : v) / sqrtBc2 + new Vector<T>(eps);
            p -= m / denom * stepSize;
        }
    }
}
