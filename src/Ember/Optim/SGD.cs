using System.Numerics;
using System.Runtime.CompilerServices;
using Ember.NN;

namespace Ember.Optim;

/// <summary>
/// Stochastic gradient descent with momentum, dampening, Nesterov, weight decay and maximize, as torch.optim.SGD.
/// Group keys: lr, momentum, dampening, weight_decay, nesterov, maximize. State: momentum_buffer (with momentum).
/// </summary>
public sealed class SGD : Optimizer
{
    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : this(OneGroup(parameters), lr, momentum, dampening, weightDecay, nesterov, maximize) { }

    public SGD(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(groups, new Dictionary<string, double>
        {
            ["lr"] = lr, ["momentum"] = momentum, ["dampening"] = dampening, ["weight_decay"] = weightDecay,
            ["nesterov"] = nesterov ? 1 : 0, ["maximize"] = maximize ? 1 : 0,
        }) { }

    protected override bool UpdatesAreIndependent => true;

    protected override string[] StateNames => ["momentum_buffer"];

    protected override void Validate(IReadOnlyDictionary<string, double> h, string where)
    {
        Require(h["lr"] >= 0, h, "lr", "learning rate", "it must be non-negative", where);
        Require(h["momentum"] >= 0, h, "momentum", "momentum", "it must be non-negative", where);
        Require(h["weight_decay"] >= 0, h, "weight_decay", "weight decay", "it must be non-negative", where);
        if (h["nesterov"] != 0 && (h["momentum"] <= 0 || h["dampening"] != 0))
            throw new ArgumentException($"SGD: Nesterov momentum requires a positive momentum and zero dampening{where}, got momentum {h["momentum"]} and dampening {h["dampening"]}.");
    }

    protected override void Update<T>(ParamGroup group, ParamState state, Span<T> p, ReadOnlySpan<T> g)
    {
        double momentum = group["momentum"];
        bool fresh = momentum != 0 && !state.Has(0);
        var buf = momentum != 0 ? state.Buffer<T>(0) : default;
        var op = new Rule<T>(
            T.CreateTruncating(group.LearningRate), T.CreateTruncating(group.WeightDecay), T.CreateTruncating(momentum),
            T.CreateTruncating(1 - group["dampening"]), group.Flag("maximize") ? -T.One : T.One,
            momentum != 0, group.Flag("nesterov"), fresh);
        FusedUpdate.Run(op, p, g, buf, default, default);
    }

    readonly struct Rule<T>(T lr, T wd, T mu, T oneMinusDampening, T sign, bool momentum, bool nesterov, bool fresh) : IFusedUpdate<T>
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Apply(ref Vector<T> p, Vector<T> g, ref Vector<T> buf, ref Vector<T> unused1, ref Vector<T> unused2)
        {
            var d = g * sign + p * wd;
            if (momentum)
            {
                // The first step starts the buffer at the gradient itself, as PyTorch does.
                buf = fresh ? d : buf * mu + d * oneMinusDampening;
                d = nesterov ? d + buf * mu : buf;
            }
            p -= d * lr;
        }
    }
}
