namespace Ember.NN;

/// <summary>
/// A layer that can apply ReLU to its output inside its own kernel (the GEMM epilogue), so the
/// pre-activation is never written out and read back. Sequential runs a [layer, ReLU] pair through it.
/// </summary>
internal interface IFusesRelu
{
    /// <summary>relu(Forward(input)), in one op with one backward.</summary>
    Tensor ForwardRelu(Tensor input);
}
