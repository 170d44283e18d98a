using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Sequential runs [Linear, ReLU] and [Conv2d, ReLU] as one op (ReLU in the GEMM epilogue): the output,
/// the parameter gradients and the graph must be what the layers give one by one.
/// </summary>
public class SequentialFusionTests
{
    static Tensor OneByOne(Sequential model, Tensor x)
    {
        var h = x.Detach();
        foreach (var layer in model.Layers)
        {
            var next = layer.Forward(h);
            h.Dispose();
            h = next;
        }
        return h;
    }

    static Sequential Mlp() => new(new Linear(9, 16, generator: new Generator(1)), new ReLU(), new Linear(16, 4, generator: new Generator(2)), new ReLU());

    static Sequential Cnn() => new(new Conv2d(2, 5, 3, padding: 1, generator: new Generator(3)), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(5 * 3 * 3, 3, generator: new Generator(4)));

    [Theory]
    [InlineData("mlp")]
    [InlineData("cnn")]
    public void FusedForwardAndGradients_MatchTheLayersOneByOne(string name)
    {
        var model = name == "mlp" ? Mlp() : Cnn();
        using var x = name == "mlp" ? Tensor.Randn([7, 9], new Generator(5)) : Tensor.Randn([2, 2, 6, 6], new Generator(5));

        using var fused = model.Forward(x);
        using (var loss = (fused * fused).Sum()) loss.Backward();
        var fusedGrads = model.Parameters().Select(p => p.Grad!.ToArray<float>()).ToArray();
        model.ZeroGrad();

        using var separate = OneByOne(model, x);
        using (var loss = (separate * separate).Sum()) loss.Backward();

        Assert.Equal(separate.ToArray<float>(), fused.ToArray<float>(), (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(b)));
        var grads = model.Parameters().Select(p => p.Grad!.ToArray<float>()).ToArray();
        for (int i = 0; i < grads.Length; i++)
            Assert.Equal(grads[i], fusedGrads[i], (a, b) => Math.Abs(a - b) <= 1e-5f * (1 + Math.Abs(b)));
        if (name == "mlp") Assert.Contains(fused.ToArray<float>(), v => v == 0f);   // the ReLU really clips
    }

    [Fact]
    public void LinearThenRelu_IsOneNodeInTheGraph()
    {
        var model = new Sequential(new Linear(3, 4, generator: new Generator(1)), new ReLU());
        using var x = Tensor.Randn([2, 3], new Generator(2));
        using var y = model.Forward(x);
        Assert.Equal("LinearBackward", y.GradFn!.Name);
    }
}
