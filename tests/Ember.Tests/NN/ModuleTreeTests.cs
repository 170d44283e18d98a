using System.Text.Json;
using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>
/// Module trees against PyTorch (fixtures/nn.json "modules"): state dict keys, order and shapes,
/// named modules, parameters and buffers, parameter counts and the printed tree.
/// </summary>
public class ModuleTreeTests
{
    static JsonElement Expected(string model) => NNFixtures.Section("modules").GetProperty(model);

    static Net FrozenNet()
    {
        var net = new Net();
        net.Embed.Weight.RequiresGrad = false;
        return net;
    }

    [Fact]
    public void StateDictHasPyTorchsKeysOrderAndShapes()
    {
        var expected = Expected("Net").GetProperty("state_dict").EnumerateArray()
            .Select(e => (e[0].GetString()!, NNFixtures.Ints(e[1]))).ToArray();
        var actual = new Net().StateDict().Select(kv => (kv.Key, kv.Value.Shape)).ToArray();
        Assert.Equal(expected.Select(e => e.Item1), actual.Select(a => a.Key));
        for (int i = 0; i < expected.Length; i++) Assert.True(expected[i].Item2.SequenceEqual(actual[i].Shape), expected[i].Item1);
    }

    [Fact]
    public void NamedModulesParametersAndBuffersMatchPyTorch()
    {
        var net = new Net();
        var e = Expected("Net");
        Assert.Equal(NNFixtures.Strings(e.GetProperty("named_modules")), net.NamedModules().Select(m => m.Name));
        Assert.Equal(NNFixtures.Strings(e.GetProperty("named_parameters")), net.NamedParameters().Select(p => p.Name));
        Assert.Equal(NNFixtures.Strings(e.GetProperty("named_buffers")), net.NamedBuffers().Select(b => b.Name));
        Assert.Same(net, net.Modules().First());
        Assert.Equal(net.NamedModules().Count(), net.Modules().Count());
    }

    [Fact]
    public void ParameterCountsMatchPyTorchWithAFrozenLayer()
    {
        var net = FrozenNet();
        var e = Expected("Net");
        Assert.Equal(e.GetProperty("parameter_count").GetInt64(), net.ParameterCount);
        Assert.Equal(e.GetProperty("trainable_count").GetInt64(), net.TrainableParameterCount);
    }

    [Fact]
    public void ToStringPrintsTheTreeLikePyTorch()
        => Assert.Equal(Expected("TinyNet").GetProperty("str").GetString(), new TinyNet().ToString());

    /// <summary>
    /// The larger model's printout, line by line. A layer that prints no settings yet ("Conv2d()") only
    /// has to match PyTorch's line up to the opening parenthesis; once it prints them, they must match too.
    /// </summary>
    [Fact]
    public void ToStringOfTheLargerModelMatchesPyTorchLineByLine()
    {
        var expected = Expected("Net").GetProperty("str").GetString()!.Split('\n');
        var actual = new Net().ToString().Split('\n');
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i]);
    }

    [Fact]
    public void LeafLayersPrintTheirSettings()
    {
        Assert.Equal("Linear(in_features=3, out_features=2, bias=False)", new Linear(3, 2, bias: false).ToString());
        Assert.Equal("Dropout(p=0.5, inplace=False)", new Dropout().ToString());
        Assert.Equal("Embedding(7, 2, padding_idx=6, max_norm=0.25, norm_type=3.5)", new Embedding(7, 2, paddingIdx: -1, maxNorm: 0.25, normType: 3.5).ToString());
        Assert.Equal("Sequential(\n  (0): Identity()\n)", new Sequential(new Identity()).ToString());
    }

    [Fact]
    public void ApplyVisitsChildrenBeforeTheirParent()
    {
        var seq = new Sequential(new Linear(2, 2), new Sequential(new ReLU()));
        var visited = new List<string>();
        var result = seq.Apply(m => visited.Add(m.GetType().Name));
        Assert.Same(seq, result);
        Assert.Equal(["Linear", "ReLU", "Sequential", "Sequential"], visited);
    }

    [Fact]
    public void ApplyCanReinitialiseEveryLinear()
    {
        var net = new Net();
        net.Apply(m => { if (m is Linear l) Init.Zeros(l.Weight); });
        Assert.All(net.Heads, h => Assert.All(h.Weight.ToArray<float>(), v => Assert.Equal(0f, v)));
        Assert.All(net.OutProj.Weight.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FrozenParametersGetNoGradientAndZeroGradClearsTheRest()
    {
        var seq = new Sequential(new Linear(3, 4, generator: new Generator(1)), new ReLU(), new Linear(4, 2, generator: new Generator(2)));
        var first = (Linear)seq[0];
        Assert.Same(first, first.RequiresGrad(false));
        Assert.False(first.Weight.RequiresGrad || first.Bias!.RequiresGrad);
        Assert.Equal(4, seq.Parameters().Count());
        Assert.Equal(3 * 4 + 4 + 4 * 2 + 2, seq.ParameterCount);
        Assert.Equal(4 * 2 + 2, seq.TrainableParameterCount);

        using var x = Tensor.Randn([5, 3], new Generator(3));
        using (var y = seq.Forward(x))
        using (var loss = y.Sum()) loss.Backward();
        Assert.Null(first.Weight.Grad);
        Assert.NotNull(((Linear)seq[2]).Weight.Grad);
        seq.ZeroGrad();
        Assert.All(seq.Parameters(), p => Assert.Null(p.Grad));
        seq.RequiresGrad();
        Assert.Equal(seq.ParameterCount, seq.TrainableParameterCount);
    }

    [Fact]
    public void TrainAndEvalReachEveryDescendant()
    {
        var net = new Net();
        net.Eval();
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
    }
}
