using System.Numerics.Tensors;
using Ember.NN;

namespace Ember.Optim;

/// <summary>Stochastic gradient descent with momentum, dampening, weight decay and Nesterov, as torch.optim.SGD.</summary>
public sealed class SGD : Optimizer
{
    readonly double momentum, dampening, weightDecay;
    readonly bool nesterov;
    float[]?[] buffers = [];

    public SGD(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
        : base(parameters, lr)
    {
        if (nesterov && (momentum <= 0 || dampening != 0))
            throw new ArgumentException("SGD: Nesterov momentum requires a positive momentum and zero dampening.");
        this.momentum = momentum; this.dampening = dampening; this.weightDecay = weightDecay; this.nesterov = nesterov;
    }

    protected override void Update(int index, Span<float> p, ReadOnlySpan<float> grad)
    {
        float lr = (float)LearningRate, wd = (float)weightDecay, mu = (float)momentum, damp = (float)dampening;
        bool first = buffers.Length <= index || buffers[index] is null;
        var buf = momentum != 0 ? State(ref buffers, index) : null;
        for (int i = 0; i < p.Length; i++)
        {
            float g = grad[i] + wd * p[i];
            if (buf is not null)
            {
                buf[i] = first ? g : mu * buf[i] + (1 - damp) * g;
                g = nesterov ? g + mu * buf[i] : buf[i];
            }
            p[i] -= lr * g;
        }
    }
}
