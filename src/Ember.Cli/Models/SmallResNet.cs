using Ember.Models;
using Ember.NN;

namespace Ember.Cli.Models;

/// <summary>
/// A small residual network for 28×28 images: a 3×3 stem of 32 channels with BN and ReLU, BasicBlocks
/// 32→32, 32→64 (stride 2) and 64→128 (stride 2), global average pooling and a Linear(128, 10).
/// Names follow torchvision's ResNet (conv1, bn1, layer1…3, fc).
/// </summary>
internal sealed class SmallResNet : Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly BasicBlock layer1, layer2, layer3;
    readonly Linear fc;

    public SmallResNet(Generator init)
    {
        conv1 = Child("conv1", new Conv2d(1, 32, 3, 1, 1, bias: false, generator: init));
        bn1 = Child("bn1", new BatchNorm2d(32));
        layer1 = Child("layer1", new BasicBlock(32, 32, 1, init));
        layer2 = Child("layer2", new BasicBlock(32, 64, 2, init));
        layer3 = Child("layer3", new BasicBlock(64, 128, 2, init));
        fc = Child("fc", new Linear(128, 10, generator: init));
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
