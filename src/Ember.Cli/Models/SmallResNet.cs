using Ember.NN;

namespace Ember.Cli.Models;

/// <summary>
/// torchvision's BasicBlock: conv3×3-BN-ReLU-conv3×3-BN added to the input (through a 1×1 conv and BN when the
/// shape changes), then ReLU.
/// </summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Sequential? downsample;

    public BasicBlock(int inChannels, int outChannels, int stride, Generator init)
    {
        conv1 = Child("conv1", new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false, generator: init));
        bn1 = Child("bn1", new BatchNorm2d(outChannels));
        conv2 = Child("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false, generator: init));
        bn2 = Child("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            downsample = Child("downsample", new Sequential(
                new Conv2d(inChannels, outChannels, 1, stride, bias: false, generator: init), new BatchNorm2d(outChannels)));
    }

    public override Tensor Forward(Tensor x)
    {
        using var c1 = conv1.Forward(x);
        using var b1 = bn1.Forward(c1);
        using var r1 = b1.Relu();
        using var c2 = conv2.Forward(r1);
        using var b2 = bn2.Forward(c2);
        using var shortcut = downsample?.Forward(x);
        using var sum = b2 + (shortcut ?? x);
        return sum.Relu();
    }
}

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
