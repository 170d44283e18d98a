using Ember.Bench.Harness;
using Ember.Bench.Peers;
using TorchSharp;

namespace Ember.Bench.Workloads;

/// <summary>
/// A forward pass of <see cref="CnnModel"/> in eval mode without autograd, for one image (latency)
/// and for a batch of 64 (throughput); max err compares the logits.
/// </summary>
public sealed class CnnInfer : Workload
{
    static readonly int[] BatchSizes = [1, 64];

    public override string Name => "cnn_infer";

    public override IEnumerable<BenchCase> Cases()
    {
        foreach (int size in BatchSizes)
        {
            var batch = new Lazy<Batch>(() => Batch.Seeded(CnnModel.InputShape(size), CnnModel.Classes, 41));
            yield return new BenchCase($"batch{size}", $"CNN eval, [{size}x1x28x28]", null,
                () => EmberSide(batch.Value),
                Sides.TorchPeer(() => TorchSide(batch.Value)));
        }
    }

    static ISide EmberSide(Batch batch)
    {
        var model = CnnModel.Ember();
        model.Eval();
        var x = Tensor.FromArray(batch.Inputs, batch.Shape);
        Tensor Forward()
        {
            using (Autograd.NoGrad()) return model.Forward(x);
        }
        return Sides.EmberOp(Forward, [x, .. model.Parameters()]);
    }

    static ISide TorchSide(Batch batch)
    {
        var model = CnnModel.Torch();
        model.eval();
        var x = TorchSharpPeer.FromArray(batch.Inputs, batch.Shape);
        // The scope frees the layers' intermediate tensors, as Ember's Sequential does as it goes.
        return new Side(
            () =>
            {
                using var scope = torch.NewDisposeScope();
                using (torch.no_grad()) model.forward(x);
            },
            () =>
            {
                using var scope = torch.NewDisposeScope();
                using (torch.no_grad()) return TorchSharpPeer.ToArray(model.forward(x));
            },
            x, model);
    }
}
