namespace Ember.NN;

/// <summary>An activation as a layer, for Sequential.</summary>
public abstract class Activation(Func<Tensor, Tensor> f) : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => f(input);
}

public sealed class ReLU() : Activation(x => x.Relu());
public sealed class GELU(bool approximateTanh = false) : Activation(x => x.Gelu(approximateTanh));
public sealed class Tanh() : Activation(x => x.Tanh());
public sealed class Sigmoid() : Activation(x => x.Sigmoid());
public sealed class SiLU() : Activation(x => x.Silu());
public sealed class LeakyReLU(double negativeSlope = 0.01) : Activation(x => x.LeakyRelu(negativeSlope));

/// <summary>Flattens dims startDim..endDim (default: all but the batch dim).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
}
