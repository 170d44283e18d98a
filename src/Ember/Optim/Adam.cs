using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Ember.NN;

namespace Ember.Optim;

/// <summary>Adam (Kingma &amp; Ba), as torch.optim.Adam: L2 weight decay added to the gradient, optional AMSGrad.</summary>
public class Adam : Optimizer
{
    readonly double beta1, beta2, eps, weightDecay;
    readonly bool amsgrad, decoupled;
    float[]?[] m = [], v = [], vMax = [];

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 0, bool amsgrad = false)
        : this(parameters, lr, betas, eps, weightDecay, amsgrad, decoupled: false) { }

    private protected Adam(IEnumerable<Parameter> parameters, double lr, (double, double)? betas, double eps, double weightDecay, bool amsgrad, bool decoupled)
        : base(parameters, lr)
    {
        (beta1, beta2) = betas ?? (0.9, 0.999);
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1)
            throw new ArgumentException($"{GetType().Name}: betas must lie in [0, 1), got ({beta1}, {beta2}).");
        this.eps = eps; this.weightDecay = weightDecay; this.amsgrad = amsgrad; this.decoupled = decoupled;
    }

    protected override void Update(int index, Span<float> p, ReadOnlySpan<float> g)
    {
        var mi = State(ref m, index);
        var vi = State(ref v, index);
        var vmaxi = amsgrad ? State(ref vMax, index) : null;
        long t = StepCount;
        double bc1 = 1 - Math.Pow(beta1, t), bc2 = 1 - Math.Pow(beta2, t);
        // p -= lr/bc1 · m / (sqrt(v)/sqrt(bc2) + eps), exactly PyTorch's arrangement.
        float stepSize = (float)(LearningRate / bc1), invSqrtBc2 = (float)(1 / Math.Sqrt(bc2));
        float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps, wd = (float)weightDecay;
        float decay = decoupled ? 1 - (float)(LearningRate * weightDecay) : 1;
        float l2 = decoupled ? 0 : wd;

        int i = 0;
        if (Vector256.IsHardwareAccelerated && vmaxi is null)
        {
            ref float pr = ref MemoryMarshal.GetReference(p);
            ref float gr = ref MemoryMarshal.GetReference(g);
            ref float mr = ref MemoryMarshal.GetArrayDataReference(mi);
            ref float vr = ref MemoryMarshal.GetArrayDataReference(vi);
            for (; i <= p.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pv = Vector256.LoadUnsafe(ref pr, (nuint)i) * decay;
                var gv = Vector256.LoadUnsafe(ref gr, (nuint)i) + pv * l2;
                var mv = Vector256.LoadUnsafe(ref mr, (nuint)i) * b1 + gv * (1 - b1);
                var vv = Vector256.LoadUnsafe(ref vr, (nuint)i) * b2 + gv * gv * (1 - b2);
                var denom = Vector256.Sqrt(vv) * invSqrtBc2 + Vector256.Create(e);
                (pv - mv / denom * stepSize).StoreUnsafe(ref pr, (nuint)i);
                mv.StoreUnsafe(ref mr, (nuint)i);
                vv.StoreUnsafe(ref vr, (nuint)i);
            }
        }
        for (; i < p.Length; i++)
        {
            float pv = p[i] * decay;
            float gv = g[i] + l2 * pv;
            mi[i] = b1 * mi[i] + (1 - b1) * gv;
            vi[i] = b2 * vi[i] + (1 - b2) * gv * gv;
            float vhat = vi[i];
            if (vmaxi is not null) vhat = vmaxi[i] = MathF.Max(vmaxi[i], vi[i]);
            p[i] = pv - stepSize * mi[i] / (MathF.Sqrt(vhat) * invSqrtBc2 + e);
        }
    }
}

/// <summary>AdamW (Loshchilov &amp; Hutter): weight decay applied to the weights, not the gradient.</summary>
public sealed class AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false)
    : Adam(parameters, lr, betas, eps, weightDecay, amsgrad, decoupled: true);
