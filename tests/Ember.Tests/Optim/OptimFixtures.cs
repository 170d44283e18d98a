using System.Text.Json;
using Ember.NN;
using Ember.Optim;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>
/// The cases of fixtures/optim.json (written by fixtures/make_optim_fixtures.py, which describes the
/// format), and the Ember optimizers and schedules they describe.
/// </summary>
public static class OptimFixtures
{
    static readonly Lazy<Dictionary<string, JsonElement>> cases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "optim.json")));
        return doc.RootElement.Clone().GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
    });

    public static JsonElement Get(string name) => cases.Value[name];

    public static TheoryData<string> Names(string kind)
    {
        var data = new TheoryData<string>();
        foreach (var (name, c) in cases.Value)
            if (c.GetProperty("kind").GetString() == kind) data.Add(name);
        return data;
    }

    public static double Num(this JsonElement o, string key, double fallback)
        => o.TryGetProperty(key, out var v) ? FixtureTensor.ParseNumber(v) : fallback;

    public static int Int(this JsonElement o, string key, int fallback) => o.TryGetProperty(key, out var v) ? v.GetInt32() : fallback;
    public static int? IntOrNull(this JsonElement o, string key) => o.TryGetProperty(key, out var v) ? v.GetInt32() : null;
    public static bool Flag(this JsonElement o, string key) => o.TryGetProperty(key, out var v) && v.GetBoolean();
    public static string Str(this JsonElement o, string key, string fallback) => o.TryGetProperty(key, out var v) ? v.GetString()! : fallback;

    static (double, double)? Betas(JsonElement o)
        => o.TryGetProperty("betas", out var b) ? (b[0].GetDouble(), b[1].GetDouble()) : null;

    /// <summary>The case's parameter groups (one with every parameter when it lists none), with its overrides.</summary>
    public static List<ParamGroup> Groups(JsonElement c, IReadOnlyList<Parameter> ps)
    {
        if (!c.TryGetProperty("groups", out var gs)) return [new ParamGroup(ps)];
        var groups = new List<ParamGroup>();
        foreach (var g in gs.EnumerateArray())
        {
            var group = new ParamGroup(g.GetProperty("params").EnumerateArray().Select(i => ps[i.GetInt32()]));
            foreach (var kv in g.EnumerateObject())
                if (kv.Name != "params") group[kv.Name] = FixtureTensor.ParseNumber(kv.Value);
            groups.Add(group);
        }
        return groups;
    }

    public static Optimizer MakeOptimizer(string cls, JsonElement o, IEnumerable<ParamGroup> g) => cls switch
    {
        "SGD" => new SGD(g, o.Num("lr", double.NaN), o.Num("momentum", 0), o.Num("dampening", 0), o.Num("weightDecay", 0), o.Flag("nesterov"), o.Flag("maximize")),
        "Adam" => new Adam(g, o.Num("lr", 1e-3), Betas(o), o.Num("eps", 1e-8), o.Num("weightDecay", 0), o.Flag("amsgrad"), o.Flag("maximize")),
        "AdamW" => new AdamW(g, o.Num("lr", 1e-3), Betas(o), o.Num("eps", 1e-8), o.Num("weightDecay", 1e-2), o.Flag("amsgrad"), o.Flag("maximize")),
        "RMSprop" => new RMSprop(g, o.Num("lr", 1e-2), o.Num("alpha", 0.99), o.Num("eps", 1e-8), o.Num("weightDecay", 0), o.Num("momentum", 0), o.Flag("centered"), o.Flag("maximize")),
        "Adagrad" => new Adagrad(g, o.Num("lr", 1e-2), o.Num("lrDecay", 0), o.Num("weightDecay", 0), o.Num("initialAccumulatorValue", 0), o.Num("eps", 1e-10), o.Flag("maximize")),
        "Adadelta" => new Adadelta(g, o.Num("lr", 1.0), o.Num("rho", 0.9), o.Num("eps", 1e-6), o.Num("weightDecay", 0), o.Flag("maximize")),
        "Lion" => new Lion(g, o.Num("lr", 1e-4), Betas(o), o.Num("weightDecay", 0), o.Flag("maximize")),
        _ => throw new NotSupportedException($"optim.json: unknown optimizer {cls}"),
    };

    public static LRScheduler MakeScheduler(Optimizer opt, JsonElement spec)
    {
        var o = spec.GetProperty("options");
        return spec.GetProperty("scheduler").GetString() switch
        {
            "StepLR" => new StepLR(opt, o.Int("stepSize", 0), o.Num("gamma", 0.1)),
            "MultiStepLR" => new MultiStepLR(opt, o.GetProperty("milestones").EnumerateArray().Select(m => m.GetInt32()), o.Num("gamma", 0.1)),
            "ExponentialLR" => new ExponentialLR(opt, o.Num("gamma", double.NaN)),
            "CosineAnnealingLR" => new CosineAnnealingLR(opt, o.Int("tMax", 0), o.Num("etaMin", 0)),
            "CosineAnnealingWarmRestarts" => new CosineAnnealingWarmRestarts(opt, o.Int("t0", 0), o.Int("tMult", 1), o.Num("etaMin", 0)),
            "LinearLR" => new LinearLR(opt, o.Num("startFactor", 1.0 / 3), o.Num("endFactor", 1.0), o.Int("totalIters", 5)),
            "OneCycleLR" => new OneCycleLR(opt, o.Num("maxLr", double.NaN), o.IntOrNull("totalSteps"), o.IntOrNull("epochs"), o.IntOrNull("stepsPerEpoch"),
                o.Num("pctStart", 0.3), o.Str("annealStrategy", "cos"), !o.TryGetProperty("cycleMomentum", out var cm) || cm.GetBoolean(),
                o.Num("baseMomentum", 0.85), o.Num("maxMomentum", 0.95), o.Num("divFactor", 25), o.Num("finalDivFactor", 1e4), o.Flag("threePhase")),
            "SequentialLR" => new SequentialLR(opt,
                o.GetProperty("schedulers").EnumerateArray().Select(s => MakeScheduler(opt, s)).ToArray(),
                o.GetProperty("milestones").EnumerateArray().Select(m => m.GetInt32()).ToArray()),
            var name => throw new NotSupportedException($"optim.json: unknown scheduler {name}"),
        };
    }

    public static ReduceLROnPlateau MakePlateau(Optimizer opt, JsonElement o)
        => new(opt, o.Str("mode", "min"), o.Num("factor", 0.1), o.Int("patience", 10), o.Num("threshold", 1e-4),
            o.Str("thresholdMode", "rel"), o.Int("cooldown", 0), o.Num("minLr", 0), o.Num("eps", 1e-8));
}
