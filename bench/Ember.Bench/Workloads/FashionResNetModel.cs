using Ember.Bench.Peers;
using Ember.Models;
using Ember.NN;
using TorchSharp;
using TorchModel = TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>;

namespace Ember.Bench.Workloads;

/// <summary>
/// `ember train --model resnet` (src/Ember.Cli/Models/SmallResNet.cs) in both frameworks, with torchvision's
/// names: a 3×3 stem of 32 channels with BN and ReLU, BasicBlocks 32→32, 32→64 (stride 2) and 64→128
/// (stride 2), global average pooling and Linear(128, 10). The CLI trains it with Adam (lr 1e-3) on batches of 128.
/// </summary>
public static class FashionResNetModel
{
    public const int BatchSize = 128, Classes = 10;

    /// <summary>Ember's model, weights from a fixed seed: every call gives the same initial weights.</summary>
    public static Module<Tensor, Tensor> Ember() => new EmberResNet(new Generator(23));

    /// <summary>The same layers in TorchSharp, with Ember's parameter names and initial weights.</summary>
    public static TorchModel Torch()
    {
        var model = new TorchResNet();
        WeightTransfer.Copy(Ember, model);
        return model;
    }

    sealed class EmberResNet : Module<Tensor, Tensor>
    {
        readonly Conv2d conv1;
        readonly BatchNorm2d bn1;
        readonly BasicBlock layer1, layer2, layer3;
        readonly Linear fc;

        public EmberResNet(Generator g)
        {
            conv1 = Child("conv1", new Conv2d(1, 32, 3, 1, 1, bias: false, generator: g));
            bn1 = Child("bn1", new BatchNorm2d(32));
            layer1 = Child("layer1", new BasicBlock(32, 32, 1, g));
            layer2 = Child("layer2", new BasicBlock(32, 64, 2, g));
            layer3 = Child("layer3", new BasicBlock(64, 128, 2, g));
            fc = Child("fc", new Linear(128, Classes, generator: g));
        }

        public override Tensor Forward(Tensor x)
        {
            using var c = conv1.Forward(x);
            using var b = bn1.Forward(c);
            using var r = b.Relu();
            using var l1 = layer1.Forward(r);
            using var l2 = layer2.Forward(l1);
            using var l3 = layer3.Forward(l2);
            using var pooled = l3.AdaptiveAvgPool2d([1, 1]);
            using var flat = pooled.Flatten(1);
            return fc.Forward(flat);
        }
    }

    // Field names are the parameter-name prefixes, matching the Ember children above.
    sealed class TorchResNet : TorchModel
    {
        readonly TorchSharp.Modules.Conv2d conv1 = torch.nn.Conv2d(1, 32, 3, padding: 1, bias: false);
        readonly TorchSharp.Modules.BatchNorm2d bn1 = torch.nn.BatchNorm2d(32);
        readonly TorchBlock layer1 = new(32, 32, 1), layer2 = new(32, 64, 2), layer3 = new(64, 128, 2);
        readonly TorchSharp.Modules.Linear fc = torch.nn.Linear(128, Classes);

        public TorchResNet() : base(nameof(TorchResNet)) => RegisterComponents();

        public override torch.Tensor forward(torch.Tensor x)
        {
            var y = torch.nn.functional.relu(bn1.forward(conv1.forward(x)));
            y = layer3.forward(layer2.forward(layer1.forward(y)));
            return fc.forward(torch.nn.functional.adaptive_avg_pool2d(y, [1, 1]).flatten(1));
        }
    }

    sealed class TorchBlock : TorchModel
    {
        readonly TorchSharp.Modules.Conv2d conv1, conv2;
        readonly TorchSharp.Modules.BatchNorm2d bn1, bn2;
        readonly TorchSharp.Modules.Sequential? downsample;

        public TorchBlock(int inChannels, int outChannels, int stride) : base(nameof(TorchBlock))
        {
            conv1 = torch.nn.Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
            bn1 = torch.nn.BatchNorm2d(outChannels);
            conv2 = torch.nn.Conv2d(outChannels, outChannels, 3, padding: 1, bias: false);
            bn2 = torch.nn.BatchNorm2d(outChannels);
            if (stride != 1 || inChannels != outChannels)
                downsample = torch.nn.Sequential(
                    ("0", torch.nn.Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)), ("1", torch.nn.BatchNorm2d(outChannels)));
            RegisterComponents();
        }

        public override torch.Tensor forward(torch.Tensor x)
        {
            var y = torch.nn.functional.relu(bn1.forward(conv1.forward(x)));
            y = bn2.forward(conv2.forward(y));
            return torch.nn.functional.relu(y + (downsample is null ? x : downsample.forward(x)));
        }
    }
}
