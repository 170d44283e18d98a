namespace Ember.NN;

/// <summary>The activation functions in functional form (Relu, Gelu, Softmax and LogSoftmax are in Functional.cs).</summary>
public static partial class Functional
{
    public static Tensor Relu6(Tensor x) => x.Relu6();
    public static Tensor LeakyRelu(Tensor x, double negativeSlope = 0.01) => x.LeakyRelu(negativeSlope);
    public static Tensor Prelu(Tensor x, Tensor weight) => x.Prelu(weight);
    public static Tensor Elu(Tensor x, double alpha = 1) => x.Elu(alpha);
    public static Tensor Selu(Tensor x) => x.Selu();
    public static Tensor Silu(Tensor x) => x.Silu();
    public static Tensor Mish(Tensor x) => x.Mish();
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();
    public static Tensor Tanh(Tensor x) => x.Tanh();
    public static Tensor Hardswish(Tensor x) => x.Hardswish();
    public static Tensor Hardsigmoid(Tensor x) => x.Hardsigmoid();
    public static Tensor Softplus(Tensor x, double beta = 1, double threshold = 20) => x.Softplus(beta, threshold);

    /// <summary>GELU with PyTorch's spelling of the approximation: "none" or "tanh".</summary>
    public static Tensor Gelu(Tensor x, string approximate) => x.Gelu(ParseGeluApproximation(approximate));

    internal static bool ParseGeluApproximation(string approximate) => approximate switch
    {
        "none" => false,
        "tanh" => true,
        _ => throw new ArgumentException($"GELU: approximate must be 'none' or 'tanh', got '{approximate}'."),
    };
}
