using Ember.NN;

namespace Ember.Tests;

// The models fixtures/make_nn_fixtures.py builds in PyTorch, built the same way here. Most children are
// registered automatically from their properties; Net registers out_proj and its tied alias explicitly.

public sealed class Block : Module
{
    readonly Parameter gamma = new(Tensor.Ones(4));
    public Conv2d Conv { get; } = new(3, 4, 3, padding: 1, generator: new Generator(1));
    public BatchNorm2d Bn { get; } = new(4);

    public Parameter Gamma => gamma;

    public Block()
    {
        Buffer("scale", Tensor.Ones(4));
        Buffer("cache", Tensor.Zeros(2), persistent: false);
    }
}

public sealed class Net : Module
{
    public Linear OutProj { get; }
    public Embedding Embed { get; } = new(10, 6, paddingIdx: 0, generator: new Generator(2));
    public Block Block { get; } = new();
    public ModuleList<Linear> Heads { get; } = new(new Linear(6, 4), new Linear(6, 4, bias: false));
    public Sequential Mlp { get; } = new(new Linear(4, 8), new ReLU(), new Dropout(0.1), new Linear(8, 2));
    public ModuleDict Towers { get; } = new() { { "left", new Bilinear(3, 4, 5) }, { "right", new Identity() } };
    public LayerNorm Norm { get; } = new(5);

    public Net()
    {
        OutProj = Child("out_proj", new Linear(5, 3));
        Child("tied", OutProj);
    }
}

public sealed class Head : Module
{
    public Bilinear Proj { get; } = new(4, 3, 2);
    public Dropout2d Drop { get; } = new(0.25);
    public Unflatten Reshape { get; } = new(1, 1, 2);
}

public sealed class TinyNet : Module
{
    public Embedding Embed { get; } = new(10, 4, paddingIdx: 0, maxNorm: 1.0);
    public Sequential Features { get; } = new(new Linear(4, 8), new ReLU(), new Dropout(0.1), new Linear(8, 4, bias: false), new Tanh());
    public ModuleList Layers { get; } = new(new Identity(), new Sigmoid());
    public ModuleDict Heads { get; } = new() { { "a", new Head() }, { "b", new Embedding(5, 3, normType: 1, scaleGradByFreq: true) } };
    public Sequential Empty { get; } = new();
    public Unflatten Unflatten { get; } = new(-1, 2, -1);
}
