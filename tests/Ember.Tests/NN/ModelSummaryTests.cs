using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>ModelSummary: shapes, parameter counts and FLOPs per layer, from the architecture's own formulas.</summary>
public class ModelSummaryTests
{
    static Sequential Cnn() => new(
        new Conv2d(1, 32, 3), new ReLU(), new MaxPool2d(2),
        new Conv2d(32, 64, 3), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
        new Flatten(), new Linear(1600, 128), new ReLU(), new Linear(128, 10));

    [Fact]
    public void SequentialCnn_RowsShapesParametersAndFlops()
    {
        var model = Cnn();
        var s = ModelSummary.Of(model, [2, 1, 28, 28]);

        Assert.Equal(12, s.Layers.Count);   // the Sequential and its 11 layers
        Assert.Equal([2, 10], s.OutputShape);
        var conv1 = s.Layers[1];
        Assert.Equal(("0", "Conv2d", 1), (conv1.Name, conv1.Type, conv1.Depth));
        Assert.Equal([2, 32, 26, 26], conv1.OutputShape!);
        Assert.Equal(32 * 9 + 32, conv1.Parameters);
        Assert.Equal(2L * 2 * 32 * 9 * 26 * 26, conv1.Flops);           // 2 · batch · out · (in·k·k) · positions
        Assert.Equal([2, 64, 11, 11], s.Layers[4].OutputShape!);
        Assert.Equal(2L * 2 * 64 * (32 * 9) * 11 * 11, s.Layers[4].Flops);
        Assert.Equal([2, 1600], s.Layers[8].OutputShape!);
        Assert.Equal(2L * 2 * 1600 * 128, s.Layers[9].Flops);
        Assert.Equal(0, s.Layers[2].Flops);                               // ReLU: no products

        long parameters = 320 + (64 * 32 * 9 + 64) + 2 * 64 + (1600 * 128 + 128) + (128 * 10 + 10);
        Assert.Equal(parameters, s.TotalParameters);
        Assert.Equal(parameters, s.Layers[0].Parameters);
        Assert.Equal(s.Layers.Skip(1).Sum(l => l.Flops ?? 0), s.TotalFlops);
        Assert.Equal((parameters + 2 * 64 + 1) * 4 + 4, s.ParameterBytes);  // + running mean/var (float) and num_batches_tracked (int64)
        Assert.Contains("Conv2d", s.ToString());
    }

    [Fact]
    public void LeavesTheModelAsItWas()
    {
        var model = Cnn();
        var bn = (BatchNorm2d)model[4];
        var meanBefore = bn.RunningMean!.ToArray<float>();
        ModelSummary.Of(model, [4, 1, 28, 28]);
        Assert.True(model.Training);
        Assert.Equal(meanBefore, bn.RunningMean!.ToArray<float>());
        Assert.Equal(0L, bn.NumBatchesTracked!.Item<long>());
        model.Eval();
        ModelSummary.Of(model, [1, 1, 28, 28]);
        Assert.False(model.Training);
    }

    sealed class Residual : Module<Tensor, Tensor>
    {
        readonly Linear inner = new(6, 6);
        readonly Linear outer = new(6, 3);

        public override Tensor Forward(Tensor x)
        {
            using var h = inner.Forward(x);
            using var sum = h + x;
            return outer.Forward(sum);
        }
    }

    [Fact]
    public void CustomModule_IsMeasuredWhole_WithItsPartsListed()
    {
        var s = ModelSummary.Of(new Residual(), [5, 6]);
        Assert.Equal(["Residual", "Linear", "Linear"], s.Layers.Select(l => l.Type));
        Assert.Equal([5, 3], s.Layers[0].OutputShape!);
        Assert.Equal(2L * 5 * (6 * 6 + 6 * 3), s.Layers[0].Flops);
        Assert.Null(s.Layers[1].OutputShape!);
        Assert.Null(s.Layers[1].Flops);
        Assert.Equal(6 * 6 + 6, s.Layers[1].Parameters);
    }

    [Fact]
    public void FlopCounters_Nest_AndCountMatMul()
    {
        using var a = Tensor.Randn([3, 4, 5]);
        using var b = Tensor.Randn([5, 7]);
        using var outer = FlopCounter.Start();
        using (var inner = FlopCounter.Start())
        {
            a.MatMul(b).Dispose();
            Assert.Equal(3L * 4 * 5 * 7, inner.MultiplyAdds);
        }
        a.MatMul(b).Dispose();
        Assert.Equal(2L * 2 * 3 * 4 * 5 * 7, outer.Flops);
    }
}
