using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>Sequential, ModuleList and ModuleDict: PyTorch's child names, indexing, order and replacement.</summary>
public class ContainerTests
{
    [Fact]
    public void SequentialIndexesCountsAppendsAndSlices()
    {
        var a = new Linear(2, 3); var r = new ReLU(); var b = new Linear(3, 1);
        var seq = new Sequential(a, r);
        Assert.Same(seq, seq.Append(b));
        Assert.Equal(3, seq.Count);
        Assert.Same(a, seq[0]);
        Assert.Same(b, seq[^1]);
        Assert.Equal(["0.weight", "0.bias", "2.weight", "2.bias"], seq.StateDict().Keys);
        var tail = seq[1..];
        Assert.Equal(2, tail.Count);
        Assert.Same(b, tail[1]);
        Assert.Equal(["1.weight", "1.bias"], tail.StateDict().Keys);
        using var x = Tensor.Ones(4, 2);
        using var y = seq.Forward(x);
        Assert.Equal([4, 1], y.Shape);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => seq[3]);
        Assert.Contains("Sequential: index 3 is out of range for 3 layers", e.Message);
    }

    [Fact]
    public void ModuleListNamesItsItemsByPositionAndReplacesInPlace()
    {
        var list = new ModuleList<Linear>(new Linear(1, 2), new Linear(2, 3));
        list.Add(new Linear(3, 4));
        Assert.Equal(3, list.Count);
        Assert.Equal(["0", "1", "2"], list.NamedChildren().Select(c => c.Name));
        Assert.Equal([2, 3, 4], list.Select(l => l.OutFeatures));
        var replacement = new Linear(2, 5);
        list[1] = replacement;
        Assert.Same(replacement, list[1]);
        Assert.Same(list[2], list[^1]);
        Assert.Equal([5, 2], list.StateDict()["1.weight"].Shape);
        Assert.Equal(["0", "1", "2"], list.NamedChildren().Select(c => c.Name));
        Assert.Throws<ArgumentOutOfRangeException>(() => list[3]);
    }

    [Fact]
    public void ModuleListHoldsAnyModules()
    {
        var list = new ModuleList(new ReLU(), new Linear(1, 1));
        list.AddRange([new Dropout(), new Identity()]);
        Assert.Equal(["ReLU", "Linear", "Dropout", "Identity"], list.Select(m => m.GetType().Name));
        Assert.Equal(2, list.Parameters().Count());
    }

    [Fact]
    public void ModuleDictKeepsInsertionOrderAndReplacesInPlace()
    {
        var dict = new ModuleDict<Linear> { { "zeta", new Linear(1, 1) }, { "alpha", new Linear(1, 2) } };
        dict["mid"] = new Linear(1, 3);
        Assert.Equal(["zeta", "alpha", "mid"], dict.Keys);
        dict["zeta"] = new Linear(1, 4);
        Assert.Equal(["zeta", "alpha", "mid"], dict.NamedChildren().Select(c => c.Name));
        Assert.Equal([4, 1], dict.StateDict()["zeta.weight"].Shape);
        Assert.True(dict.ContainsKey("alpha"));
        Assert.True(dict.TryGetValue("mid", out var mid) && mid.OutFeatures == 3);
        Assert.Equal(3, dict.Count);
        Assert.Equal(["zeta", "alpha", "mid"], dict.Select(kv => kv.Key));
        var e = Assert.Throws<KeyNotFoundException>(() => dict["beta"]);
        Assert.Contains("'beta'", e.Message);
        Assert.Throws<ArgumentException>(() => dict.Add("a.b", new Linear(1, 1)));
        Assert.Throws<ArgumentException>(() => dict.Add("alpha", new Linear(1, 1)));
    }
}
