namespace Ember.NN;

/// <summary>The feed-forward activations a Transformer layer takes by name, as PyTorch's "relu" and "gelu".</summary>
internal static class TransformerActivation
{
    public static Func<Tensor, Tensor> Parse(string activation, string layer) => activation switch
    {
        "relu" => x => x.Relu(),
        "gelu" => x => x.Gelu(),
        _ => throw new ArgumentException($"{layer}: activation must be \"relu\" or \"gelu\", got \"{activation}\"."),
    };
}
