using Ember.NN;

namespace Ember.Optim;

/// <summary>AdamW (Loshchilov &amp; Hutter), as torch.optim.AdamW: weight decay applied to the weights (p *= 1 - lr·wd), not the gradient.</summary>
public sealed class AdamW : Adam
{
    public AdamW(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(OneGroup(parameters), lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: true) { }

    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(groups, lr, betas, eps, weightDecay, amsgrad, maximize, decoupled: true) { }
}
