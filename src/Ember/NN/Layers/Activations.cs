namespace Ember.NN;

/// <summary>An activation as a layer, for Sequential.</summary>
public abstract class Activation(Func<Tensor, Tensor> f) : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => f(input);
}

public sealed class ReLU() : Activation(x => x.Relu());
public sealed class ReLU6() : Activation(x => x.Relu6());
public sealed class SELU() : Activation(x => x.Selu());
public sealed class Tanh() : Activation(x => x.Tanh());
public sealed class Sigmoid() : Activation(x => x.Sigmoid());
public sealed class SiLU() : Activation(x => x.Silu());
public sealed class Mish() : Activation(x => x.Mish());
public sealed class Hardswish() : Activation(x => x.Hardswish());
public sealed class Hardsigmoid() : Activation(x => x.Hardsigmoid());

/// <summary>GELU, exact (approximate "none") or with the tanh approximation (approximate "tanh").</summary>
public sealed class GELU : Activation
{
    public GELU(bool approximateTanh = false) : base(x => x.Gelu(approximateTanh)) => Approximate = approximateTanh ? "tanh" : "none";

    /// <summary>PyTorch's spelling: "none" or "tanh".</summary>
    public GELU(string approximate) : this(Functional.ParseGeluApproximation(approximate)) { }

    public string Approximate { get; }
    public override string ExtraRepr() => $"approximate='{Approximate}'";
}

public sealed class LeakyReLU(double negativeSlope = 0.01) : Activation(x => x.LeakyRelu(negativeSlope))
{
    public double NegativeSlope => negativeSlope;
    public override string ExtraRepr() => $"negative_slope={PyFloat(negativeSlope)}";
}

public sealed class ELU(double alpha = 1) : Activation(x => x.Elu(alpha))
{
    public double Alpha => alpha;
    public override string ExtraRepr() => $"alpha={PyFloat(alpha)}";
}

/// <summary>log(1 + exp(βx))/β, linear where βx exceeds the threshold.</summary>
public sealed class Softplus(double beta = 1, double threshold = 20) : Activation(x => x.Softplus(beta, threshold))
{
    public double Beta => beta;
    public double Threshold => threshold;
    // PyTorch's defaults are the ints 1 and 20, so whole numbers print without ".0".
    public override string ExtraRepr() => $"beta={Whole(beta)}, threshold={Whole(threshold)}";
    static string Whole(double v) => v == Math.Floor(v) && Math.Abs(v) < 1e15 ? ((long)v).ToString(System.Globalization.CultureInfo.InvariantCulture) : PyFloat(v);
}

public sealed class Softmax(int dim) : Activation(x => x.Softmax(dim))
{
    public int Dim => dim;
    public override string ExtraRepr() => $"dim={dim}";
}

public sealed class LogSoftmax(int dim) : Activation(x => x.LogSoftmax(dim))
{
    public int Dim => dim;
    public override string ExtraRepr() => $"dim={dim}";
}

/// <summary>
/// PReLU with a learnable slope "weight": one shared by every element (numParameters 1) or one per
/// channel (dim 1 of the input), every slope starting at init (0.25).
/// </summary>
public sealed class PReLU : Module<Tensor, Tensor>
{
    public Parameter Weight { get; }
    public int NumParameters { get; }

    public PReLU(int numParameters = 1, double init = 0.25)
    {
        if (numParameters < 1) throw new ArgumentException($"PReLU: numParameters must be at least 1, got {numParameters}.");
        NumParameters = numParameters;
        Weight = Param("weight", Tensor.Full([numParameters], (float)init));
    }

    public override Tensor Forward(Tensor input) => input.Prelu(Weight);
    public override string ExtraRepr() => $"num_parameters={NumParameters}";
}

/// <summary>Flattens dims startDim..endDim (default: all but the batch dim).</summary>
public sealed class Flatten(int startDim = 1, int endDim = -1) : Module<Tensor, Tensor>
{
    public override Tensor Forward(Tensor input) => input.Flatten(startDim, endDim);
    public override string ExtraRepr() => $"start_dim={startDim}, end_dim={endDim}";
}
