using Ember.NN;

namespace Ember.Models;

/// <summary>
/// torchvision's ResNet with BasicBlocks (ResNet-18 and ResNet-34) and its parameter names, so a
/// torchvision state dict saved as safetensors loads as it is: a 7×7 stride-2 stem (conv1, bn1, ReLU,
/// 3×3 stride-2 max pool), four stages of blocks (layer1…layer4, channels width·1, 2, 4, 8, stages 2–4
/// starting with stride 2), global average pooling and fc. Convolutions are initialised as torchvision
/// does (Kaiming normal, fan_out, ReLU gain); BatchNorm with ones and zeros.
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    readonly Conv2d conv1;
    readonly BatchNorm2d bn1;
    readonly MaxPool2d maxpool;
    readonly Sequential[] stages;
    readonly Linear fc;

    /// <summary>ResNet-18: two BasicBlocks per stage.</summary>
    public static ResNet ResNet18(int numClasses = 1000, int inChannels = 3, int width = 64, Generator? generator = null)
        => new([2, 2, 2, 2], numClasses, inChannels, width, generator);

    /// <summary>ResNet-34: 3, 4, 6 and 3 BasicBlocks.</summary>
    public static ResNet ResNet34(int numClasses = 1000, int inChannels = 3, int width = 64, Generator? generator = null)
        => new([3, 4, 6, 3], numClasses, inChannels, width, generator);

    /// <summary>A ResNet of BasicBlocks: <paramref name="blocks"/> per stage, <paramref name="width"/> channels in the stem and first stage (64 in torchvision).</summary>
    public ResNet(IReadOnlyList<int> blocks, int numClasses = 1000, int inChannels = 3, int width = 64, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        if (blocks.Count != 4 || blocks.Any(b => b < 1))
            throw new ArgumentException($"ResNet: needs four stages of at least one block each, got [{string.Join(", ", blocks)}].");
        if (numClasses < 1 || inChannels < 1 || width < 1)
            throw new ArgumentException($"ResNet: numClasses ({numClasses}), inChannels ({inChannels}) and width ({width}) must be positive.");
        conv1 = Child("conv1", new Conv2d(inChannels, width, 7, 2, 3, bias: false, generator: generator));
        bn1 = Child("bn1", new BatchNorm2d(width));
        maxpool = Child("maxpool", new MaxPool2d(3, 2, 1));
        stages = new Sequential[4];
        int channels = width;
        for (int s = 0; s < 4; s++)
        {
            int outChannels = width << s;
            var stage = new Sequential();
            for (int b = 0; b < blocks[s]; b++)
            {
                stage.Append(new BasicBlock(channels, outChannels, b == 0 && s > 0 ? 2 : 1, generator));
                channels = outChannels;
            }
            stages[s] = Child($"layer{s + 1}", stage);
        }
        fc = Child("fc", new Linear(channels, numClasses, generator: generator));

        foreach (var (_, module) in NamedModules())
            if (module is Conv2d conv)
                using (Autograd.NoGrad())
                    Init.KaimingNormal(conv.Weight, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu, generator: generator);
    }

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4)
            throw new ArgumentException($"ResNet: expects images [batch, channels, height, width], got {Shapes.Format(x.Shape)}.");
        using var c = conv1.Forward(x);
        using var b = bn1.Forward(c);
        using var r = b.Relu();
        Tensor h = maxpool.Forward(r);
        foreach (var stage in stages)
        {
            var next = stage.Call(h);
            h.Dispose();
            h = next;
        }
        using (h)
        using (var pooled = h.AdaptiveAvgPool2d([1, 1]))
        using (var flat = pooled.Flatten(1))
            return fc.Forward(flat);
    }
}
