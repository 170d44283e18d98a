using Ember.NN;

namespace Ember.Models;

/// <summary>
/// torchvision's ResNet BasicBlock with its parameter names: conv3×3-BN-ReLU-conv3×3-BN added to the input
/// (through a 1×1 conv and BN, "downsample", when the stride or the channel count changes), then ReLU.
/// </summary>
public sealed class BasicBlock : Module<Tensor, Tensor>
{
    readonly Conv2d conv1, conv2;
    readonly BatchNorm2d bn1, bn2;
    readonly Sequential? downsample;

    public BasicBlock(int inChannels, int outChannels, int stride = 1, Generator? generator = null)
    {
        conv1 = Child("conv1", new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false, generator: generator));
        bn1 = Child("bn1", new BatchNorm2d(outChannels));
        conv2 = Child("conv2", new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false, generator: generator));
        bn2 = Child("bn2", new BatchNorm2d(outChannels));
        if (stride != 1 || inChannels != outChannels)
            downsample = Child("downsample", new Sequential(
                new Conv2d(inChannels, outChannels, 1, stride, bias: false, generator: generator), new BatchNorm2d(outChannels)));
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
