namespace Ember.NN;

/// <summary>Weight initialisers (torch.nn.init).</summary>
public static class Init
{
    /// <summary>U(low, high) samples.</summary>
    public static Tensor Uniform(int[] shape, double low, double high, Generator? generator = null)
    {
        using var u = Tensor.Rand(shape, generator);
        using var scaled = u * (high - low);
        return scaled + low;
    }

    /// <summary>N(0, std²) samples.</summary>
    public static Tensor Normal(int[] shape, double std, Generator? generator = null)
    {
        using var n = Tensor.Randn(shape, generator);
        return n * std;
    }
}
