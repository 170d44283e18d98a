using Ember.NN;
using Ember.Optim;
using Ember.Serialization;
using Xunit;

namespace Ember.Tests.Optim;

/// <summary>State dicts (resuming bit for bit), parameter groups, allocation-free steps and bad input.</summary>
public class OptimizerStateTests
{
    /// <summary>Every optimizer with the options that give it the most state.</summary>
    public static TheoryData<string> Kinds => new() { "SGD", "SGDNesterov", "Adam", "AdamAmsgrad", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Lion" };

    static Optimizer Make(string kind, IEnumerable<ParamGroup> g) => kind switch
    {
        "SGD" => new SGD(g, lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3),
        "SGDNesterov" => new SGD(g, lr: 0.05, momentum: 0.9, nesterov: true),
        "Adam" => new Adam(g, lr: 1e-2, weightDecay: 1e-2),
        "AdamAmsgrad" => new Adam(g, lr: 1e-2, amsgrad: true),
        "AdamW" => new AdamW(g, lr: 1e-2, amsgrad: true),
        "RMSprop" => new RMSprop(g, lr: 1e-2, momentum: 0.5, centered: true),
        "Adagrad" => new Adagrad(g, lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1),
        "Adadelta" => new Adadelta(g, weightDecay: 1e-2),
        "Lion" => new Lion(g, lr: 1e-3, weightDecay: 0.1),
        _ => throw new ArgumentException(kind),
    };

    /// <summary>Two groups (the second with its own rate) over parameters of 37 and 8 elements, and one without gradients.</summary>
    static List<ParamGroup> Groups(IReadOnlyList<Parameter> ps) => [new ParamGroup([ps[0], ps[2]]), new ParamGroup([ps[1]], lr: 0.003)];

    static List<Parameter> Params(DType dtype, Generator gen) =>
        [new(Tensor.Randn([37], gen).To(dtype)), new(Tensor.Randn([2, 4], gen).To(dtype)), new(Tensor.Randn([3], gen).To(dtype))];

    static void Grads(IReadOnlyList<Parameter> ps, Generator gen)
    {
        foreach (var p in ps.Take(2)) { p.ZeroGrad(); p.Grad = Tensor.Randn(p.Shape, gen).To(p.DType); }
    }

    static byte[] Bits(Tensor t) => t.DType == DType.Float32
        ? t.ToArray<float>().SelectMany(BitConverter.GetBytes).ToArray()
        : t.ToArray<double>().SelectMany(BitConverter.GetBytes).ToArray();

    [Theory, MemberData(nameof(Kinds))]
    public void ResumingFromStateDictIsBitIdentical(string kind)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            const int n = 4, m = 5;
            // Uninterrupted: n + m steps.
            var gradsA = new Generator(7);
            var a = Params(dtype, new Generator(1));
            var optA = Make(kind, Groups(a));
            for (int i = 0; i < n + m; i++) { Grads(a, gradsA); optA.Step(); }

            // Interrupted: n steps, then the parameters and the optimizer's state go into a fresh pair.
            var gradsB = new Generator(7);
            var b = Params(dtype, new Generator(1));
            var optB = Make(kind, Groups(b));
            for (int i = 0; i < n; i++) { Grads(b, gradsB); optB.Step(); }
            var state = optB.StateDict();
            var c = b.Select(p => new Parameter(p.Detach().Clone())).ToList();
            var optC = Make(kind, Groups(c));
            optC.LoadStateDict(state);
            for (int i = 0; i < m; i++) { Grads(c, gradsB); optC.Step(); }

            for (int i = 0; i < a.Count; i++)
                Assert.True(Bits(a[i]).SequenceEqual(Bits(c[i])), $"{kind} ({dtype}): parameter {i} differs after resuming");
            Assert.Equal(optA.StateDict().Keys.Order(), optC.StateDict().Keys.Order());
        }
    }

    /// <summary>A checkpoint file with the parameters, the optimizer and the schedule resumes training exactly.</summary>
    [Fact]
    public void CheckpointThroughSafetensorsResumesExactly()
    {
        var gradsA = new Generator(9);
        var a = Params(DType.Float32, new Generator(8));
        var optA = new AdamW(Groups(a), lr: 1e-2, amsgrad: true);
        var schedA = new CosineAnnealingLR(optA, tMax: 6);
        for (int i = 0; i < 7; i++) { Grads(a, gradsA); optA.Step(); schedA.Step(); }

        var gradsB = new Generator(9);
        var b = Params(DType.Float32, new Generator(8));
        var optB = new AdamW(Groups(b), lr: 1e-2, amsgrad: true);
        var schedB = new CosineAnnealingLR(optB, tMax: 6);
        for (int i = 0; i < 3; i++) { Grads(b, gradsB); optB.Step(); schedB.Step(); }
        var checkpoint = new Dictionary<string, Tensor>();
        for (int i = 0; i < b.Count; i++) checkpoint[$"model.{i}"] = b[i];
        foreach (var (k, v) in optB.StateDict()) checkpoint["optimizer." + k] = v;
        foreach (var (k, v) in schedB.StateDict()) checkpoint["scheduler." + k] = v;
        string path = Path.Combine(Path.GetTempPath(), $"ember-optim-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.Save(path, checkpoint);
            var loaded = Safetensors.Load(path);
            Dictionary<string, Tensor> Part(string prefix) => loaded.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value);
            var c = Enumerable.Range(0, b.Count).Select(i => new Parameter(loaded[$"model.{i}"].Clone())).ToList();
            var optC = new AdamW(Groups(c), lr: 1e-2, amsgrad: true);
            var schedC = new CosineAnnealingLR(optC, tMax: 6);
            optC.LoadStateDict(Part("optimizer."));
            schedC.LoadStateDict(Part("scheduler."));
            for (int i = 0; i < 4; i++) { Grads(c, gradsB); optC.Step(); schedC.Step(); }
            for (int i = 0; i < a.Count; i++)
                Assert.True(Bits(a[i]).SequenceEqual(Bits(c[i])), $"parameter {i} differs after resuming from the checkpoint");
            Assert.Equal(schedA.GetLastLr(), schedC.GetLastLr());
            foreach (var t in loaded.Values) t.Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void StateDictHasPyTorchLikeKeys()
    {
        var ps = Params(DType.Float32, new Generator(3));
        var opt = new Adam(Groups(ps), lr: 1e-3, amsgrad: true);
        Grads(ps, new Generator(4));
        opt.Step();
        var s = opt.StateDict();
        Assert.Equal(1, s["state.0.step"].Item<long>());
        Assert.Equal(DType.Int64, s["state.0.step"].DType);
        Assert.Equal(new[] { 37 }, s["state.0.exp_avg"].Shape);
        Assert.Equal(new[] { 2, 4 }, s["state.2.max_exp_avg_sq"].Shape);
        Assert.False(s.ContainsKey("state.1.step")); // never had a gradient
        Assert.Equal(new long[] { 0, 1 }, s["param_groups.0.params"].ToArray<long>());
        Assert.Equal(new long[] { 2 }, s["param_groups.1.params"].ToArray<long>());
        Assert.Equal(0.003, s["param_groups.1.lr"].Item<double>());
        Assert.Equal(1.0, s["param_groups.0.amsgrad"].Item<double>());
        // Copies, not the live buffers.
        var before = s["state.0.exp_avg"].ToArray<float>();
        Grads(ps, new Generator(5));
        opt.Step();
        Assert.Equal(before, s["state.0.exp_avg"].ToArray<float>());
    }

    [Fact]
    public void LoadingAMismatchedStateFailsAndChangesNothing()
    {
        var ps = Params(DType.Float32, new Generator(3));
        var opt = new SGD(Groups(ps), lr: 0.1, momentum: 0.9);
        Grads(ps, new Generator(4));
        opt.Step();
        var good = opt.StateDict();

        var other = new SGD([new Parameter(Tensor.Zeros(5))], lr: 0.1, momentum: 0.9);
        var e = Assert.Throws<ArgumentException>(() => other.LoadStateDict(good));
        Assert.Contains("SGD.LoadStateDict:", e.Message);

        var wrongShape = new Dictionary<string, Tensor>(good) { ["state.0.momentum_buffer"] = Tensor.Zeros(36) };
        e = Assert.Throws<ArgumentException>(() => opt.LoadStateDict(wrongShape));
        Assert.Contains("'state.0.momentum_buffer' has shape [36], but parameter 0 has shape [37]", e.Message);

        var unknown = new Dictionary<string, Tensor>(good) { ["state.0.exp_avg"] = Tensor.Zeros(37) };
        e = Assert.Throws<ArgumentException>(() => opt.LoadStateDict(unknown));
        Assert.Contains("unknown state 'exp_avg'", e.Message);

        var missingGroup = new Dictionary<string, Tensor>(good);
        missingGroup.Remove("param_groups.1.params");
        e = Assert.Throws<ArgumentException>(() => opt.LoadStateDict(missingGroup));
        Assert.Contains("no 'param_groups.1.params'", e.Message);

        Assert.Equal(good["state.0.momentum_buffer"].ToArray<float>(), opt.StateDict()["state.0.momentum_buffer"].ToArray<float>());
    }

    [Theory, MemberData(nameof(Kinds))]
    public void SteadyStepsAllocateNoManagedMemory(string kind)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var ps = Params(dtype, new Generator(11));
            Grads(ps, new Generator(12));
            var opt = Make(kind, Groups(ps));
            for (int i = 0; i < 3; i++) opt.Step(); // state buffers are made here, once
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 20; i++) opt.Step();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{kind} ({dtype}): 20 steps allocated {allocated} managed bytes");
        }
    }

    [Fact]
    public void GroupsHaveTheirOwnHyperParameters()
    {
        var ps = Params(DType.Float32, new Generator(3));
        var opt = new SGD([new ParamGroup([ps[0]]), new ParamGroup([ps[1]], lr: 0.5) { ["momentum"] = 0.5 }], lr: 0.1, momentum: 0.9);
        Assert.Equal(2, opt.ParamGroups.Count);
        Assert.Equal(0.9, opt.ParamGroups[0]["momentum"]);
        Assert.Equal(0.5, opt.ParamGroups[1]["momentum"]);
        Assert.Equal(0.5, opt.ParamGroups[1].LearningRate);
        Assert.Equal(0.1, opt.LearningRate); // the first group's

        // A plain SGD step: p -= lr * g, with each group's rate.
        var p0 = ps[0].ToArray<float>();
        var p1 = ps[1].ToArray<float>();
        ps[0].Grad = Tensor.Ones(37);
        ps[1].Grad = Tensor.Ones(2, 4);
        opt.Step();
        Assert.Equal(p0.Select(v => v - 0.1f).ToArray(), ps[0].ToArray<float>());
        Assert.Equal(p1.Select(v => v - 0.5f).ToArray(), ps[1].ToArray<float>());

        opt.LearningRate = 0.01; // sets every group's
        Assert.All(opt.ParamGroups, g => Assert.Equal(0.01, g.LearningRate));

        opt.AddParamGroup(new ParamGroup([ps[2]], weightDecay: 0.1));
        Assert.Equal(3, opt.ParamGroups.Count);
        Assert.Equal(0.1, opt.ParamGroups[2].LearningRate); // the constructor's default
        Assert.Equal(0.1, opt.ParamGroups[2].WeightDecay);
        var e = Assert.Throws<ArgumentException>(() => opt.AddParamGroup(new ParamGroup([ps[0]])));
        Assert.Contains("appears more than once", e.Message);
        Assert.Contains("ParamGroup: no hyper-parameter 'betas'", Assert.Throws<KeyNotFoundException>(() => opt.ParamGroups[0]["betas"]).Message);
    }

    [Fact]
    public void ParametersWithoutGradientsKeepTheirValueAndState()
    {
        var ps = Params(DType.Float32, new Generator(3));
        var opt = new Adam(ps, lr: 0.1);
        var before = ps[2].ToArray<float>();
        Grads(ps, new Generator(4));
        opt.Step();
        Assert.Equal(before, ps[2].ToArray<float>());
        Assert.Null(opt.State(ps[2]));
        Assert.Equal(1, opt.State(ps[0])!.Step);
        Assert.Equal(1, opt.StepCount);
    }

    [Fact]
    public void BadHyperParametersNameTheOptimizerAndValue()
    {
        var p = new[] { new Parameter(Tensor.Zeros(3)) };
        static string Message(Func<object> make) => Assert.Throws<ArgumentException>(() => make()).Message;
        Assert.Equal("SGD: invalid learning rate -0.1; it must be non-negative.", Message(() => new SGD(p, lr: -0.1)));
        Assert.Contains("SGD: Nesterov momentum requires a positive momentum and zero dampening", Message(() => new SGD(p, lr: 0.1, nesterov: true)));
        Assert.Equal("Adam: invalid beta1 1; betas must lie in [0, 1).", Message(() => new Adam(p, betas: (1.0, 0.999))));
        Assert.Equal("AdamW: invalid beta2 -0.5; betas must lie in [0, 1).", Message(() => new AdamW(p, betas: (0.9, -0.5))));
        Assert.Equal("Adam: invalid eps -1E-08; it must be non-negative.", Message(() => new Adam(p, eps: -1e-8)));
        Assert.Equal("RMSprop: invalid alpha -1; it must be non-negative.", Message(() => new RMSprop(p, alpha: -1)));
        Assert.Equal("Adagrad: invalid lr_decay -0.1; it must be non-negative.", Message(() => new Adagrad(p, lrDecay: -0.1)));
        Assert.Equal("Adadelta: invalid rho 1.5; it must lie in [0, 1].", Message(() => new Adadelta(p, rho: 1.5)));
        Assert.Equal("Lion: invalid weight decay -1; it must be non-negative.", Message(() => new Lion(p, weightDecay: -1)));
        Assert.Equal("Adam: invalid learning rate -1 in parameter group 1; it must be non-negative.",
            Message(() => new Adam([new ParamGroup([new Parameter(Tensor.Zeros(2))]), new ParamGroup(p, lr: -1)])));
        Assert.Equal("SGD: the parameter list is empty.", Message(() => new SGD(Array.Empty<Parameter>(), lr: 0.1)));
        Assert.Contains("is Int64; optimizers update Float32 and Float64 parameters",
            Message(() => new SGD([new Parameter(Tensor.FromArray(new long[] { 1, 2 }, 2), requiresGrad: false)], lr: 0.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SGD(p, lr: 0.1).LearningRate = -1);
    }
}
