using Ember.NN;
using Xunit;

namespace Ember.Tests;

/// <summary>LoadStateDict: strict and non-strict loading, and errors that name every offending key and both shapes.</summary>
public class StateDictTests
{
    static Sequential Model(int hidden = 4, ulong seed = 1)
        => new(new Linear(3, hidden, generator: new Generator(seed)), new ReLU(), new Linear(hidden, 2, generator: new Generator(seed + 1)), new BatchNorm1d(2));

    [Fact]
    public void LoadingAnotherModelsStateCopiesEveryValue()
    {
        var a = Model(seed: 1);
        var b = Model(seed: 7);
        b.LoadStateDict(a.StateDict());
        foreach (var (k, v) in a.StateDict())
            Assert.Equal(FixtureAssert.Values(v), FixtureAssert.Values(b.StateDict()[k]));
        // Copies, not shared storage.
        using (Autograd.NoGrad()) ((Linear)a[0]).Weight.FillInPlace(5);
        Assert.NotEqual(5f, ((Linear)b[0]).Weight.ToArray<float>()[0]);
    }

    [Fact]
    public void StrictLoadingNamesEveryMissingUnexpectedAndMismatchedKey()
    {
        var model = Model();
        var state = new Dictionary<string, Tensor>(Model(hidden: 5).StateDict());
        state.Remove("0.bias");
        state.Remove("3.running_var");
        state["4.weight"] = Tensor.Zeros(2);
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Contains("missing keys: '0.bias', '3.running_var'", e.Message);
        Assert.Contains("unexpected keys: '4.weight'", e.Message);
        Assert.Contains("'0.weight' is [5, 3] in the state but [4, 3] in the module", e.Message);
        Assert.Contains("'2.weight' is [2, 5] in the state but [2, 4] in the module", e.Message);
    }

    [Fact]
    public void AFailedLoadChangesNothing()
    {
        var model = Model();
        var before = FixtureAssert.Values(((Linear)model[2]).Weight);
        var state = new Dictionary<string, Tensor>(Model(seed: 9).StateDict()) { ["0.weight"] = Tensor.Zeros(1, 3) };
        Assert.Throws<ArgumentException>(() => model.LoadStateDict(state));
        Assert.Equal(before, FixtureAssert.Values(((Linear)model[2]).Weight));
    }

    [Fact]
    public void NonStrictLoadingSkipsMissingAndUnexpectedKeys()
    {
        var model = Model(seed: 1);
        var source = Model(seed: 5);
        var state = new Dictionary<string, Tensor> { ["2.weight"] = source.StateDict()["2.weight"], ["extra"] = Tensor.Ones(3) };
        var bias = FixtureAssert.Values(((Linear)model[2]).Bias!);
        model.LoadStateDict(state, strict: false);
        Assert.Equal(FixtureAssert.Values(state["2.weight"]), FixtureAssert.Values(((Linear)model[2]).Weight));
        Assert.Equal(bias, FixtureAssert.Values(((Linear)model[2]).Bias!));
    }

    [Fact]
    public void NonStrictLoadingStillRejectsShapeMismatchesNamingEachKey()
    {
        var model = Model();
        var state = new Dictionary<string, Tensor> { ["0.weight"] = Tensor.Zeros(4, 4), ["3.running_mean"] = Tensor.Zeros(3) };
        var e = Assert.Throws<ArgumentException>(() => model.LoadStateDict(state, strict: false));
        Assert.Contains("'0.weight' is [4, 4] in the state but [4, 3] in the module", e.Message);
        Assert.Contains("'3.running_mean' is [3] in the state but [2] in the module", e.Message);
        Assert.DoesNotContain("missing", e.Message);
    }

    [Fact]
    public void NonPersistentBuffersStayOutOfTheState()
    {
        var block = new Block();
        Assert.Contains("scale", block.StateDict().Keys);
        Assert.DoesNotContain("cache", block.StateDict().Keys);
        Assert.Contains("cache", block.NamedBuffers().Select(b => b.Name));
    }

    [Fact]
    public void ASharedModuleIsSavedUnderEveryNameAndLoadsFromEither()
    {
        var net = new Net();
        var state = net.StateDict();
        Assert.Same(state["out_proj.weight"], state["tied.weight"]);
        net.LoadStateDict(state);
    }
}
