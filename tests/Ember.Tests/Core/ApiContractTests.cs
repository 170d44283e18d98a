using Ember;
using Ember.NN;
using Ember.Optim;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests;

/// <summary>
/// Code outside the project is written against the names in the public API contract; this file uses
/// them exactly as written there, so a change that breaks one fails to compile here.
/// </summary>
public class ApiContractTests
{
    [Fact]
    public void TensorSurface()
    {
        Tensor a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Tensor s = Tensor.Scalar(2f);
        Tensor z = Tensor.Zeros(2, 3), o = Tensor.Ones(2, 3), f = Tensor.Full([2, 3], 0.5f);
        Tensor r = Tensor.Arange(0, 6, 1).Reshape(-1, 3);
        Tensor u = Tensor.Rand([2, 3], new Generator(1), requiresGrad: false);
        Tensor n = Tensor.Randn([2, 3], new Generator(1), requiresGrad: true);
        int[] shape = a.Shape; int rank = a.Rank; long count = a.NumElements; DType dtype = a.DType;
        Assert.Equal(new[] { 2, 3 }, shape);
        Assert.Equal(2, rank);
        Assert.Equal(6, count);
        Assert.Equal(DType.Float32, dtype);
        Assert.Equal(6f, a.ToArray<float>()[5]);
        Assert.Equal(2f, s.Item<float>());

        Tensor sum = a + z - o * f / s;
        sum = sum + 1f; sum = 1f + sum; sum = sum - 1f; sum = 1f - sum; sum = sum * 2f; sum = 2f * sum; sum = sum / 2f; sum = 2f / (sum * sum + 1f);
        Tensor m = a.MatMul(r.Transpose(0, 1));
        Assert.Equal(new[] { 2, 2 }, m.Shape);
        Assert.Equal(new[] { 3 }, a.Sum(0).Shape);
        Assert.Equal(new[] { 2, 1 }, a.Mean(1, keepDim: true).Shape);
        Assert.Equal(new[] { 3, 2 }, a.Permute(1, 0).Shape);
        _ = a.Exp(); _ = a.Log(); _ = a.Tanh(); _ = a.Sigmoid(); _ = a.Relu(); _ = a.Softmax(1); _ = a.LogSoftmax(-1);
        Tensor am = a.ArgMax(1);
        Assert.Equal(DType.Int64, am.DType);
        Assert.Equal(DType.Float64, a.To(DType.Float64).DType);

        var loss = (n * u).Sum();
        loss.Backward();
        Tensor? g = n.Grad;
        Assert.NotNull(g);
        Assert.True(n.RequiresGrad);
        Assert.False(n.Detach().RequiresGrad);
        using (Autograd.NoGrad()) Assert.False((n * 2f).RequiresGrad);
        a.Dispose();
    }

    [Fact]
    public void ModulesAndOptimizers()
    {
        var model = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 3, bias: false));
        Module<Tensor, Tensor> asModule = model;
        var names = model.NamedParameters().Select(p => p.Name).ToArray();
        Assert.Equal(new[] { "0.weight", "0.bias", "2.weight" }, names);
        Assert.Equal(new[] { 8, 4 }, model.NamedParameters().First().Parameter.Shape);
        IReadOnlyDictionary<string, Tensor> state = model.StateDict();
        model.LoadStateDict(state, strict: true);
        model.Train(); model.Eval(); model.Train(true);

        var x = Tensor.Randn([5, 4], new Generator(2));
        var y = Tensor.FromArray(new long[] { 0, 1, 2, 0, 1 });
        foreach (Optimizer opt in new Optimizer[]
        {
            new SGD(model.Parameters(), lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true),
            new Adam(model.Parameters(), lr: 1e-3, betas: (0.9, 0.999), eps: 1e-8, weightDecay: 0, amsgrad: true),
            new AdamW(model.Parameters(), lr: 1e-3, betas: null, eps: 1e-8, weightDecay: 1e-2),
        })
        {
            opt.ZeroGrad();
            var loss = F.CrossEntropy(asModule.Forward(x), y) + F.MseLoss(F.Relu(x), F.Gelu(x)) * 0.0f;
            loss.Backward();
            opt.Step();
        }
        Assert.Equal(new[] { 5, 3 }, F.Softmax(asModule.Forward(x), 1).Shape);
        Assert.Equal(new[] { 5, 3 }, F.Linear(x, Tensor.Ones(3, 4)).Shape);
    }
}
