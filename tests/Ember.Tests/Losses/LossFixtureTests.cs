using System.Text.Json;
using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Losses;

/// <summary>
/// Runs every case of fixtures/losses.json (PyTorch 1.13, see fixtures/make_loss_fixtures.py): each loss
/// with each reduction and option, forward and the gradients of the input and (where PyTorch has one) the
/// target, in Float64 and Float32, including logits of ±100 and ±1e4 and probabilities of exactly 0 and 1.
/// </summary>
public class LossFixtureTests
{
    static readonly Lazy<Dictionary<string, FixtureCase>> cases = new(() => OpFixtures.Load("losses.json"));

    public static TheoryData<string> ForwardCases => FixtureRunner.Names(cases.Value.Values);
    public static TheoryData<string> GradientCases => FixtureRunner.Names(cases.Value.Values.Where(c => c.HasGrads));

    /// <summary>The case's params, read as JSON (doubles stay doubles: 0.1 is not rounded to float).</summary>
    sealed class Params(FixtureParams p)
    {
        readonly JsonElement json = JsonDocument.Parse(p.ToString()).RootElement.Clone();
        public double D(string key) => json.GetProperty(key).GetDouble();
        public bool B(string key) => json.GetProperty(key).GetBoolean();
        public long L(string key) => json.GetProperty(key).GetInt64();
        public string S(string key) => json.GetProperty(key).GetString()!;

        public Reduction Reduction => S("reduction") switch
        {
            "mean" => Reduction.Mean,
            "batchmean" => Reduction.BatchMean,
            "sum" => Reduction.Sum,
            "none" => Reduction.None,
            var r => throw new FormatException($"losses.json: unknown reduction '{r}'"),
        };
    }

    /// <summary>The functional form; every other run goes through the module, so both are covered.</summary>
    static Tensor RunFunctional(string op, Params p, Tensor[] x)
    {
        var r = p.Reduction;
        Tensor? Opt(int i, string flag) => p.B(flag) ? x[i] : null;
        return op switch
        {
            "MSELoss" => F.MseLoss(x[0], x[1], r),
            "L1Loss" => F.L1Loss(x[0], x[1], r),
            "SmoothL1Loss" => F.SmoothL1Loss(x[0], x[1], r, p.D("beta")),
            "HuberLoss" => F.HuberLoss(x[0], x[1], r, p.D("delta")),
            "CrossEntropyLoss" => F.CrossEntropy(x[0], x[1], r, Opt(2, "hasWeight"), p.L("ignoreIndex"), p.D("labelSmoothing")),
            "NLLLoss" => F.NllLoss(x[0], x[1], r, Opt(2, "hasWeight"), p.L("ignoreIndex")),
            "BCELoss" => F.BinaryCrossEntropy(x[0], x[1], r, Opt(2, "hasWeight")),
            "BCEWithLogitsLoss" => F.BinaryCrossEntropyWithLogits(x[0], x[1], r, Opt(2, "hasWeight"),
                p.B("hasPosWeight") ? x[p.B("hasWeight") ? 3 : 2] : null),
            "KLDivLoss" => F.KlDiv(x[0], x[1], r, p.B("logTarget")),
            "CosineEmbeddingLoss" => F.CosineEmbeddingLoss(x[0], x[1], x[2], p.D("margin"), r),
            "MarginRankingLoss" => F.MarginRankingLoss(x[0], x[1], x[2], p.D("margin"), r),
            "TripletMarginLoss" => F.TripletMarginLoss(x[0], x[1], x[2], p.D("margin"), p.D("p"), p.D("eps"), p.B("swap"), r),
            _ => throw new KeyNotFoundException($"losses.json: no dispatch for {op}"),
        };
    }

    static Tensor RunModule(string op, Params p, Tensor[] x)
    {
        var r = p.Reduction;
        Tensor? Opt(int i, string flag) => p.B(flag) ? x[i] : null;
        return op switch
        {
            "MSELoss" => new MSELoss(r).Forward(x[0], x[1]),
            "L1Loss" => new L1Loss(r).Forward(x[0], x[1]),
            "SmoothL1Loss" => new SmoothL1Loss(r, p.D("beta")).Forward(x[0], x[1]),
            "HuberLoss" => new HuberLoss(r, p.D("delta")).Forward(x[0], x[1]),
            "CrossEntropyLoss" => new CrossEntropyLoss(Opt(2, "hasWeight"), p.L("ignoreIndex"), r, p.D("labelSmoothing")).Forward(x[0], x[1]),
            "NLLLoss" => new NLLLoss(Opt(2, "hasWeight"), p.L("ignoreIndex"), r).Forward(x[0], x[1]),
            "BCELoss" => new BCELoss(Opt(2, "hasWeight"), r).Forward(x[0], x[1]),
            "BCEWithLogitsLoss" => new BCEWithLogitsLoss(Opt(2, "hasWeight"), r,
                p.B("hasPosWeight") ? x[p.B("hasWeight") ? 3 : 2] : null).Forward(x[0], x[1]),
            "KLDivLoss" => new KLDivLoss(r, p.B("logTarget")).Forward(x[0], x[1]),
            "CosineEmbeddingLoss" => new CosineEmbeddingLoss(p.D("margin"), r).Forward(x[0], x[1], x[2]),
            "MarginRankingLoss" => new MarginRankingLoss(p.D("margin"), r).Forward(x[0], x[1], x[2]),
            "TripletMarginLoss" => new TripletMarginLoss(p.D("margin"), p.D("p"), p.D("eps"), p.B("swap"), r).Forward(x[0], x[1], x[2]),
            _ => throw new KeyNotFoundException($"losses.json: no dispatch for {op}"),
        };
    }

    static Tensor[] Functional(FixtureCase c, Tensor[] x) => [RunFunctional(c.Op, new Params(c.Params), x)];
    static Tensor[] Module(FixtureCase c, Tensor[] x) => [RunModule(c.Op, new Params(c.Params), x)];

    [Fact]
    public void FixtureIsPresent() => Assert.True(cases.Value.Count > 100);

    [Theory]
    [MemberData(nameof(ForwardCases))]
    public void Forward(string name) => FixtureRunner.Forward(cases.Value[name], Functional);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Gradient(string name) => FixtureRunner.Gradient(cases.Value[name], Functional);

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void ModuleGradient(string name) => FixtureRunner.Gradient(cases.Value[name], Module);
}
