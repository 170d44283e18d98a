using Ember.Models;
using Ember.NN;
using Ember.Optim;
using Ember.Serialization;
using Xunit;

namespace Ember.Tests.Models;

/// <summary>
/// A model written the PyTorch way — a small ResNet with BatchNorm, projected shortcuts and global
/// average pooling — starts from PyTorch's initial weights and trains on the same 20 batches with SGD
/// (momentum, Nesterov, weight decay). Every step's loss and the final weights and running statistics
/// must match PyTorch's (fixtures/make_resnet_curve_fixture.py) within float32 tolerance.
/// </summary>
public sealed class ResNetLossCurveTests
{
    sealed class ResNet : Module<Tensor, Tensor>
    {
        readonly Conv2d conv1;
        readonly BatchNorm2d bn1;
        readonly BasicBlock layer1, layer2;
        readonly Linear fc;

        public ResNet()
        {
            conv1 = Child("conv1", new Conv2d(1, 8, 3, 1, 1, bias: false));
            bn1 = Child("bn1", new BatchNorm2d(8));
            layer1 = Child("layer1", new BasicBlock(8, 8, 1));
            layer2 = Child("layer2", new BasicBlock(8, 16, 2));
            fc = Child("fc", new Linear(16, 10));
        }

        public override Tensor Forward(Tensor x)
        {
            using var c = conv1.Forward(x);
            using var b = bn1.Forward(c);
            using var r = b.Relu();
            using var l1 = layer1.Forward(r);
            using var l2 = layer2.Forward(l1);
            using var pooled = l2.AdaptiveAvgPool2d([1, 1]);
            using var flat = pooled.Flatten(1);
            return fc.Forward(flat);
        }
    }

    static Dictionary<string, Tensor> Prefixed(Dictionary<string, Tensor> all, string prefix) =>
        all.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);

    [Fact]
    public void TwentySgdSteps_MatchPyTorchsLossCurveAndWeights()
    {
        var data = Safetensors.Load(Path.Combine(AppContext.BaseDirectory, "fixtures", "resnet_curve.safetensors"));
        try
        {
            var model = new ResNet();
            model.LoadStateDict(Prefixed(data, "init."));
            var optimizer = new SGD(model.Parameters(), lr: 0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true);
            var expected = data["losses"].ToArray<double>();
            var inputs = data["inputs"];
            var labels = data["labels"];
            model.Train();

            var losses = new double[expected.Length];
            for (int step = 0; step < expected.Length; step++)
            {
                optimizer.ZeroGrad();
                using var x = inputs.Select(0, step);
                using var y = labels.Select(0, step);
                using var logits = model.Forward(x);
                using var loss = Functional.CrossEntropy(logits, y);
                loss.Backward();
                optimizer.Step();
                losses[step] = loss.Item<float>();
            }

            for (int step = 0; step < expected.Length; step++)
                Assert.True(Math.Abs(losses[step] - expected[step]) <= 2e-5,
                    $"step {step}: Ember's loss {losses[step]:F6}, PyTorch's {expected[step]:F6}\n" +
                    $"Ember:   {string.Join(" ", losses.Select(v => v.ToString("F4")))}\nPyTorch: {string.Join(" ", expected.Select(v => v.ToString("F4")))}");
            Assert.True(expected[^1] < expected[0] - 0.5, "the fixture's task must be learnable, so the curve says something");

            var final = Prefixed(data, "final.");
            foreach (var (name, tensor) in model.StateDict())
            {
                using var mine = tensor.To(DType.Float64);
                using var theirs = final[name].To(DType.Float64);
                var a = mine.ToArray<double>();
                var b = theirs.ToArray<double>();
                for (int i = 0; i < a.Length; i++)
                    Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * (1 + Math.Abs(b[i])), $"{name}[{i}]: Ember {a[i]}, PyTorch {b[i]}");
            }
        }
        finally
        {
            foreach (var t in data.Values) t.Dispose();
        }
    }
}
