using System.Text.Json;
using Ember.NN;
using Ember.Optim;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>Every learning-rate schedule against PyTorch: each group's rate (and OneCycleLR's momentum) after every step.</summary>
public class SchedulerFixtureTests
{
    public static TheoryData<string> Cases => OptimFixtures.Names("scheduler");

    /// <summary>The case's optimizer: SGD (momentum 0.9) or Adam, one group per listed rate.</summary>
    internal static Optimizer MakeOptimizer(JsonElement c)
    {
        var lrs = c.GetProperty("lrs").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var groups = lrs.Select(lr => new ParamGroup([new Parameter(Tensor.Zeros(2))], lr: lr)).ToArray();
        return c.GetProperty("optimizer").GetString() == "SGD" ? new SGD(groups, lrs[0], momentum: 0.9) : new Adam(groups, lrs[0]);
    }

    static double[] Row(JsonElement row) => row.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    static void Close(double[] expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Count);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= 1e-12 * Math.Abs(expected[i]) + 1e-15,
                $"{what}, group {i}: {actual[i]:R}, PyTorch has {expected[i]:R}");
    }

    [Theory, MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = OptimFixtures.Get(name);
        var opt = MakeOptimizer(c);
        var expected = c.GetProperty("expected_lrs");
        bool plateau = c.GetProperty("scheduler").GetString() == "ReduceLROnPlateau";
        var momenta = c.TryGetProperty("expected_momenta", out var m) ? m : (JsonElement?)null;
        string momentumKey = c.GetProperty("optimizer").GetString() == "SGD" ? "momentum" : "beta1";
        var spec = c;
        LRScheduler? sched = plateau ? null : OptimFixtures.MakeScheduler(opt, spec);
        ReduceLROnPlateau? onPlateau = plateau ? OptimFixtures.MakePlateau(opt, c.GetProperty("options")) : null;

        void Check(int epoch)
        {
            var lrs = sched?.GetLastLr() ?? opt.ParamGroups.Select(g => g.LearningRate).ToArray();
            Close(Row(expected[epoch]), lrs, $"{name}: epoch {epoch}");
            Close(Row(expected[epoch]), opt.ParamGroups.Select(g => g.LearningRate).ToArray(), $"{name}: the groups' rates at epoch {epoch}");
            if (momenta is { } mm)
                Close(Row(mm[epoch]), opt.ParamGroups.Select(g => g[momentumKey]).ToArray(), $"{name}: {momentumKey} at epoch {epoch}");
        }

        Check(0);
        int steps = c.GetProperty("steps").GetInt32();
        for (int epoch = 1; epoch <= steps; epoch++)
        {
            opt.Step();
            if (onPlateau is not null) onPlateau.Step(c.GetProperty("metrics")[epoch - 1].GetDouble());
            else if (c.TryGetProperty("epochs", out var epochs)) ((CosineAnnealingWarmRestarts)sched!).Step(epochs[epoch - 1].GetDouble());
            else sched!.Step();
            Check(epoch);
        }
    }

    /// <summary>Saving a schedule midway and loading it into a fresh one (on a fresh optimizer) continues the same rates.</summary>
    [Theory, MemberData(nameof(Cases))]
    public void ResumesFromStateDict(string name)
    {
        var c = OptimFixtures.Get(name);
        if (c.GetProperty("scheduler").GetString() == "ReduceLROnPlateau") return; // covered by its own test below
        int steps = c.GetProperty("steps").GetInt32(), half = steps / 2;
        var opt = MakeOptimizer(c);
        var sched = OptimFixtures.MakeScheduler(opt, c);
        for (int i = 0; i < half; i++) { opt.Step(); sched.Step(); }

        var opt2 = MakeOptimizer(c);
        var sched2 = OptimFixtures.MakeScheduler(opt2, c);
        opt2.LoadStateDict(opt.StateDict());
        sched2.LoadStateDict(sched.StateDict());
        for (int i = half; i < steps; i++)
        {
            opt.Step(); sched.Step();
            opt2.Step(); sched2.Step();
            Assert.Equal(sched.GetLastLr(), sched2.GetLastLr());
            Assert.Equal(opt.ParamGroups.Select(g => g.LearningRate), opt2.ParamGroups.Select(g => g.LearningRate));
        }
    }

    [Fact]
    public void PlateauResumesFromStateDict()
    {
        var c = OptimFixtures.Get("plateau_max_abs");
        var metrics = c.GetProperty("metrics").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var opt = MakeOptimizer(c);
        var sched = OptimFixtures.MakePlateau(opt, c.GetProperty("options"));
        for (int i = 0; i < 20; i++) sched.Step(metrics[i]);
        var opt2 = MakeOptimizer(c);
        var sched2 = new ReduceLROnPlateau(opt2);
        opt2.LoadStateDict(opt.StateDict());
        sched2.LoadStateDict(sched.StateDict());
        for (int i = 20; i < metrics.Length; i++)
        {
            sched.Step(metrics[i]);
            sched2.Step(metrics[i]);
            Assert.Equal(sched.GetLastLr(), sched2.GetLastLr());
        }
        Assert.Equal(Row(c.GetProperty("expected_lrs")[metrics.Length]), sched2.GetLastLr());
    }

    [Fact]
    public void ClosedFormStepMatchesRecursiveSteps()
    {
        var opt = new SGD([new Parameter(Tensor.Zeros(2))], lr: 0.1);
        var cosine = new CosineAnnealingLR(opt, tMax: 10, etaMin: 0.01);
        for (int i = 0; i < 7; i++) cosine.Step();
        double recursive = opt.LearningRate;
        cosine.Step(7);
        Assert.Equal(recursive, opt.LearningRate, 1e-12);
    }

    [Fact]
    public void BadSettingsAreRejected()
    {
        var opt = new SGD([new Parameter(Tensor.Zeros(2))], lr: 0.1);
        Assert.Contains("StepLR: stepSize must be positive, got 0", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(opt, 0)).Message);
        Assert.Contains("LinearLR: startFactor must lie in (0, 1], got 1.5", Assert.Throws<ArgumentOutOfRangeException>(() => new LinearLR(opt, startFactor: 1.5)).Message);
        Assert.Contains("CosineAnnealingLR: tMax must be positive", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(opt, 0)).Message);
        Assert.Contains("ReduceLROnPlateau: mode must be \"min\" or \"max\", got \"lowest\"", Assert.Throws<ArgumentException>(() => new ReduceLROnPlateau(opt, mode: "lowest")).Message);
        Assert.Contains("ReduceLROnPlateau: factor must be below 1, got 2", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(opt, factor: 2)).Message);
        Assert.Contains("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch", Assert.Throws<ArgumentException>(() => new OneCycleLR(opt, 1.0)).Message);
        Assert.Contains("annealStrategy must be \"cos\" or \"linear\"", Assert.Throws<ArgumentException>(() => new OneCycleLR(opt, 1.0, totalSteps: 10, annealStrategy: "exp")).Message);
        var lion = new Lion([new Parameter(Tensor.Zeros(2))]);
        Assert.Contains("Adagrad has neither", Assert.Throws<ArgumentException>(() => new OneCycleLR(new Adagrad([new Parameter(Tensor.Zeros(2))]), 1.0, totalSteps: 10)).Message);
        var oneCycle = new OneCycleLR(lion, 1.0, totalSteps: 2);
        oneCycle.Step(); oneCycle.Step();
        Assert.Contains("tried to step 4 times, but the cycle has 2 steps", Assert.Throws<InvalidOperationException>(() => oneCycle.Step()).Message);
        Assert.Contains("needs", Assert.Throws<ArgumentException>(() => new StepLR(new SGD([new Parameter(Tensor.Zeros(2))], lr: 0.1), 3, lastEpoch: 4)).Message);
        var other = new SGD([new Parameter(Tensor.Zeros(2))], lr: 0.1);
        Assert.Contains("drives another optimizer", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, [new StepLR(opt, 2), new StepLR(other, 2)], [3])).Message);
        Assert.Contains("need 1 milestone(s), got 2", Assert.Throws<ArgumentException>(() => new SequentialLR(opt, [new StepLR(opt, 2), new StepLR(opt, 2)], [3, 4])).Message);
    }

    [Fact]
    public void LoadingAnotherKindOfStateFails()
    {
        var opt = new SGD([new Parameter(Tensor.Zeros(2))], lr: 0.1);
        var step = new StepLR(opt, 3);
        var cosine = new CosineAnnealingLR(opt, 10);
        var e = Assert.Throws<ArgumentException>(() => cosine.LoadStateDict(step.StateDict()));
        Assert.Contains("CosineAnnealingLR.LoadStateDict: the state lacks", e.Message);
    }
}
