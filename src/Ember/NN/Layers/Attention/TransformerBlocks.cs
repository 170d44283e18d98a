namespace Ember.NN;

/// <summary>The parts the Transformer encoder and decoder layers share.</summary>
internal static class TransformerBlocks
{
    /// <summary>The feed-forward activations a layer takes by name, as PyTorch's "relu" and "gelu".</summary>
    public static Func<Tensor, Tensor> ParseActivation(string activation, string layer) => activation switch
    {
        "relu" => x => x.Relu(),
        "gelu" => x => x.Gelu(),
        _ => throw new ArgumentException($"{layer}: activation must be \"relu\" or \"gelu\", got \"{activation}\"."),
    };

    /// <summary>dropout(attention(x, kv, kv)): the attention sub-block, without its residual and norm.</summary>
    public static Tensor Attend(MultiheadAttention attention, Dropout dropout, Tensor x, Tensor kv, Tensor? mask, Tensor? keyPaddingMask, bool isCausal)
    {
        var (attended, _) = attention.Forward(x, kv, kv, mask, keyPaddingMask, needWeights: false, isCausal: isCausal);
        using (attended) return dropout.Forward(attended);
    }

    /// <summary>dropoutOut(linear2(dropout(activation(linear1(x))))): the feed-forward sub-block.</summary>
    public static Tensor FeedForward(Tensor x, Linear linear1, Func<Tensor, Tensor> activation, Dropout dropout, Linear linear2, Dropout dropoutOut)
    {
        using var h = linear1.Forward(x);
        using var a = activation(h);
        using var d = dropout.Forward(a);
        using var y = linear2.Forward(d);
        return dropoutOut.Forward(y);
    }
}
