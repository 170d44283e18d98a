using Ember.NN;
using Xunit;
using F = Ember.NN.Functional;

namespace Ember.Tests.Losses;

/// <summary>Numerical stability at extreme logits and probabilities, in Float32 and Float64.</summary>
public class LossStabilityTests
{
    static Tensor Leaf(double[] v, DType dtype)
    {
        using var t = Tensor.FromArray(v, v.Length);
        var x = t.To(dtype);
        x.RequiresGrad = true;
        return x;
    }

    static double[] Values(Tensor t) => FixtureAssert.Values(t);

    static void AssertFinite(Tensor t, string what)
        => Assert.All(Values(t), v => Assert.True(double.IsFinite(v), $"{what}: {v} is not finite"));

    public static TheoryData<DType> FloatTypes => new() { DType.Float32, DType.Float64 };

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void BceWithLogitsIsFiniteAtHugeLogits(DType dtype)
    {
        using var x = Leaf([100, -100, 1e4, -1e4, 1e4, -1e4, 0], dtype);
        using var y = Leaf([1, 0, 0, 1, 1, 0, 0.5], dtype);
        using var pw = Tensor.FromArray(new double[] { 3 }, 1).To(dtype);
        using var loss = F.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None, posWeight: pw);
        AssertFinite(loss, "loss");
        var l = Values(loss);
        Assert.Equal(1e4, l[2], 1e-3);      // (1 − y)·x: confidently wrong costs the logit
        Assert.Equal(3e4, l[3], 1e-3);      // pos_weight · softplus(1e4)
        Assert.Equal(0, l[4], 1e-12);       // confidently right costs nothing, not NaN
        using var sum = loss.Sum();
        sum.Backward();
        AssertFinite(x.Grad!, "input gradient");
        AssertFinite(y.Grad!, "target gradient");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void CrossEntropyIsFiniteAtHugeLogits(DType dtype)
    {
        using var x0 = Tensor.FromArray(new double[] { 1e4, -1e4, 0, -1e4, 1e4, 5e3, 100, -100, 0 }, 3, 3);
        using var x = x0.To(dtype);
        x.RequiresGrad = true;
        using var t = Tensor.FromArray(new long[] { 0, 2, 1 }, 3);
        using var loss = F.CrossEntropy(x, t, Reduction.None, labelSmoothing: 0.1);
        AssertFinite(loss, "loss");
        Assert.Equal(0.1 / 3 * 3e4, Values(loss)[0], 1e-2 * (dtype == DType.Float32 ? 10 : 1));
        using var sum = loss.Sum();
        sum.Backward();
        AssertFinite(x.Grad!, "gradient");
        // softmax − target sums to zero in every row.
        var g = Values(x.Grad!);
        for (int i = 0; i < 3; i++) Assert.Equal(0, g[3 * i] + g[3 * i + 1] + g[3 * i + 2], 1e-5);
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void CrossEntropyWithProbabilitiesIsFiniteAtHugeLogits(DType dtype)
    {
        using var x0 = Tensor.FromArray(new double[] { 1e4, -1e4, 0, -1e4, 1e4, 5e3 }, 2, 3, 1);
        using var x = x0.To(dtype);
        x.RequiresGrad = true;
        using var p0 = Tensor.FromArray(new double[] { 0.2, 0.3, 0.5, 0, 1, 0 }, 2, 3, 1);
        using var p = p0.To(dtype);
        using var loss = F.CrossEntropy(x, p);
        AssertFinite(loss, "loss");
        loss.Backward();
        AssertFinite(x.Grad!, "gradient");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void BceClampsTheLogAtProbabilitiesZeroAndOne(DType dtype)
    {
        using var p = Leaf([0, 1, 0, 1], dtype);
        using var y = Tensor.FromArray(new double[] { 1, 0, 0, 1 }, 4).To(dtype);
        using var loss = F.BinaryCrossEntropy(p, y, reduction: Reduction.None);
        Assert.Equal(new double[] { 100, 100, 0, 0 }, Values(loss));
        using var sum = loss.Sum();
        sum.Backward();
        AssertFinite(p.Grad!, "gradient");
    }

    [Theory]
    [MemberData(nameof(FloatTypes))]
    public void KlDivWithLogTargetsIsFiniteForVerySmallProbabilities(DType dtype)
    {
        using var x = Leaf([-80, -1e3, -0.5], dtype);
        using var t = Leaf([-90, -1e3, -0.25], dtype);
        using var loss = F.KlDiv(x, t, Reduction.Sum, logTarget: true);
        AssertFinite(loss, "loss");
        loss.Backward();
        AssertFinite(x.Grad!, "input gradient");
        AssertFinite(t.Grad!, "target gradient");
    }
}

/// <summary>Errors for bad arguments: the loss, the shapes and the offending values are named.</summary>
public class LossArgumentTests
{
    static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator(7));
    static Tensor Idx(params long[] v) => Tensor.FromArray(v, v.Length);

    static void Throws<TE>(Func<Tensor> f, params string[] parts) where TE : Exception
    {
        var e = Assert.ThrowsAny<TE>(() => f().Dispose());
        foreach (var part in parts) Assert.Contains(part, e.Message);
    }

    [Fact]
    public void ElementwiseLossesNameBothShapes()
    {
        Throws<ArgumentException>(() => F.MseLoss(R(3, 4), R(4, 3)), "MSELoss", "[3, 4]", "[4, 3]");
        Throws<ArgumentException>(() => F.L1Loss(R(3), R(3, 1)), "L1Loss", "[3]", "[3, 1]");
        Throws<ArgumentException>(() => F.SmoothL1Loss(R(2, 2), R(2)), "SmoothL1Loss", "[2, 2]", "[2]");
        Throws<ArgumentException>(() => F.HuberLoss(R(2), R(3)), "HuberLoss", "[2]", "[3]");
        Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(R(2, 3), R(3, 2)), "BCEWithLogitsLoss", "[2, 3]", "[3, 2]");
        Throws<ArgumentException>(() => F.KlDiv(R(2, 3), R(2)), "KLDivLoss", "[2, 3]", "[2]");
        Throws<ArgumentException>(() => F.MarginRankingLoss(R(3), R(3), R(4)), "MarginRankingLoss", "[3]", "[4]");
        Throws<ArgumentException>(() => F.TripletMarginLoss(R(2, 3), R(2, 3), R(2, 4)), "TripletMarginLoss", "[2, 3]", "[2, 4]");
        Throws<ArgumentException>(() => F.CosineEmbeddingLoss(R(3, 4), R(3, 4), R(2)), "CosineEmbeddingLoss", "[3, 4]", "[2]");
    }

    [Fact]
    public void DTypeMismatchesAreNamed()
    {
        using var a = R(2, 3);
        using var b = R(2, 3).To(DType.Float64);
        Throws<ArgumentException>(() => F.MseLoss(a, b), "MSELoss", "Float64", "Float32", "[2, 3]");
        using var i = Tensor.Zeros([2, 3], DType.Int64);
        Throws<ArgumentException>(() => F.L1Loss(i, i), "L1Loss", "floating-point", "Int64");
        Throws<ArgumentException>(() => F.NllLoss(i, Idx(0, 1)), "NLLLoss", "Int64");
    }

    [Fact]
    public void CrossEntropyNamesBadTargets()
    {
        Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(R(3, 5), Idx(0, 7, 1)), "CrossEntropy", "target 7", "5 classes");
        Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(R(2, 4), Idx(-1, 0)), "target -1", "4 classes");
        Throws<ArgumentException>(() => F.CrossEntropy(R(4, 5), Idx(0, 1, 2)), "CrossEntropy", "[3]", "[4, 5]", "[4]");
        Throws<ArgumentException>(() => F.CrossEntropy(R(2, 3, 4), Idx(0, 1)), "[2]", "[2, 3, 4]", "[2, 4]");
        Throws<ArgumentException>(() => F.CrossEntropy(R(3, 5), R(3)), "CrossEntropy", "Int64", "Float32");
        using var w = Tensor.Ones(4);
        Throws<ArgumentException>(() => F.CrossEntropy(R(3, 5), Idx(0, 1, 2), weight: w), "weight", "[4]", "5 classes");
        Throws<ArgumentOutOfRangeException>(() => F.CrossEntropy(R(3, 5), Idx(0, 1, 2), labelSmoothing: 1.5), "labelSmoothing", "1.5");
        Throws<ArgumentException>(() => F.CrossEntropy(R(3, 5), R(3, 5), ignoreIndex: 2), "ignoreIndex", "probability");
        using var scalar = Tensor.Scalar(1f);
        Throws<ArgumentException>(() => F.CrossEntropy(scalar, Idx(0)), "CrossEntropy", "0-d");
        Throws<ArgumentOutOfRangeException>(() => F.NllLoss(R(2, 3), Idx(3, 0)), "NLLLoss", "target 3", "3 classes");
    }

    [Fact]
    public void BadOptionsAreNamed()
    {
        using var x = R(2, 3);
        using var y = R(2, 3);
        Throws<ArgumentException>(() => F.BinaryCrossEntropy(x, y), "BCELoss", "[0, 1]", "[2, 3]");
        Throws<ArgumentOutOfRangeException>(() => F.SmoothL1Loss(x, y, beta: -1), "SmoothL1Loss", "beta", "-1");
        Throws<ArgumentOutOfRangeException>(() => F.HuberLoss(x, y, delta: 0), "HuberLoss", "delta", "0");
        Throws<ArgumentException>(() => F.MseLoss(x, y, Reduction.BatchMean), "MSELoss", "BatchMean");
        using var pw = Tensor.Ones(4);
        Throws<ArgumentException>(() => F.BinaryCrossEntropyWithLogits(x, y, posWeight: pw), "BCEWithLogitsLoss", "posWeight", "[4]", "[2, 3]");
        using var w = Tensor.Ones(3);
        w.RequiresGrad = true;
        Throws<ArgumentException>(() => F.CrossEntropy(x, Idx(0, 2), weight: w), "CrossEntropy", "weight", "not differentiable");
        Throws<ArgumentOutOfRangeException>(() => F.TripletMarginLoss(x, y, y, p: 0), "TripletMarginLoss", "p");
    }
}

/// <summary>The loss modules: PyTorch's defaults and buffer names, and the fused cross-entropy node.</summary>
public class LossModuleTests
{
    [Fact]
    public void DefaultsAreTorchs()
    {
        var ce = new CrossEntropyLoss();
        Assert.Equal(-100, ce.IgnoreIndex);
        Assert.Equal(Reduction.Mean, ce.Reduction);
        Assert.Equal(0.0, ce.LabelSmoothing);
        Assert.Null(ce.Weight);
        Assert.Equal(1.0, new SmoothL1Loss().Beta);
        Assert.Equal(1.0, new HuberLoss().Delta);
        Assert.False(new KLDivLoss().LogTarget);
        Assert.Equal(0.0, new CosineEmbeddingLoss().Margin);
        Assert.Equal(0.0, new MarginRankingLoss().Margin);
        var t = new TripletMarginLoss();
        Assert.Equal((1.0, 2.0, 1e-6, false, Reduction.Mean), (t.Margin, t.P, t.Eps, t.Swap, t.Reduction));
    }

    [Fact]
    public void WeightsAreBuffersWithTorchsNames()
    {
        Assert.Empty(new CrossEntropyLoss().StateDict());
        Assert.Equal(["weight"], new CrossEntropyLoss(Tensor.Ones(3)).StateDict().Keys.ToArray());
        Assert.Equal(["weight"], new NLLLoss(Tensor.Ones(3)).StateDict().Keys.ToArray());
        Assert.Equal(["weight"], new BCELoss(Tensor.Ones(3)).StateDict().Keys.ToArray());
        Assert.Equal(["weight", "pos_weight"], new BCEWithLogitsLoss(Tensor.Ones(3), posWeight: Tensor.Ones(3)).StateDict().Keys.ToArray());
        Assert.Empty(new BCEWithLogitsLoss(Tensor.Ones(3), posWeight: Tensor.Ones(3)).Parameters());
    }

    [Fact]
    public void ModuleAndFunctionalAgree()
    {
        using var x = Tensor.Randn([4, 3], new Generator(3));
        using var t = Tensor.FromArray(new long[] { 2, 0, 1, 1 }, 4);
        using var w = Tensor.FromArray(new float[] { 1, 2, 0.5f }, 3);
        var m = new CrossEntropyLoss(w, ignoreIndex: 0, labelSmoothing: 0.1);
        using var a = m.Forward(x, t);
        using var b = m.Forward((x, t));
        using var c = F.CrossEntropy(x, t, weight: w, ignoreIndex: 0, labelSmoothing: 0.1);
        Assert.Equal(c.Item<float>(), a.Item<float>());
        Assert.Equal(c.Item<float>(), b.Item<float>());
    }

    [Fact]
    public void CrossEntropyIsOneFusedNode()
    {
        using var x = Tensor.Randn([4, 5], new Generator(1), requiresGrad: true);
        using var t = Tensor.FromArray(new long[] { 1, 0, 4, 2 }, 4);
        using var loss = F.CrossEntropy(x, t);
        Assert.Equal("CrossEntropyBackward", loss.GradFn!.Name);
        using var probs = Tensor.Rand([4, 5], new Generator(2));
        using var soft = F.CrossEntropy(x, probs);
        Assert.Equal("CrossEntropyBackward", soft.GradFn!.Name);
    }

    [Fact]
    public void CrossEntropyAcceptsInt32TargetsAndGivesNaNWhenEveryTargetIsIgnored()
    {
        using var x = Tensor.Randn([3, 4], new Generator(5));
        using var t64 = Tensor.FromArray(new long[] { 1, 3, 0 }, 3);
        using var t32 = Tensor.FromArray(new int[] { 1, 3, 0 }, 3);
        using var a = F.CrossEntropy(x, t64);
        using var b = F.CrossEntropy(x, t32);
        Assert.Equal(a.Item<float>(), b.Item<float>());
        using var ignored = Tensor.FromArray(new long[] { -100, -100, -100 }, 3);
        using var nan = F.CrossEntropy(x, ignored);
        Assert.True(float.IsNaN(nan.Item<float>()));
        using var sum = F.CrossEntropy(x, ignored, Reduction.Sum);
        Assert.Equal(0f, sum.Item<float>());
    }

    [Fact]
    public void LargeInputsTakeTheParallelPathsAndAgreeWithComposedOps()
    {
        // Big enough to be split across threads: 8·9·16·16 positions of 10 classes.
        using var x = Tensor.Randn([8, 10, 16, 16], new Generator(11)).To(DType.Float64);
        using var t = Tensor.RandInt(0, 10, [8, 16, 16], new Generator(12));
        using var fused = F.CrossEntropy(x, t, Reduction.None);
        using var logp = x.LogSoftmax(1);
        using var picked = logp.Gather(1, t.Unsqueeze(1));
        using var squeezed = picked.Squeeze(1);
        using var composed = -squeezed;
        AssertClose(composed, fused, 1e-12);

        using var a = Tensor.Randn([300, 400], new Generator(13)).To(DType.Float64);
        using var b = Tensor.Randn([300, 400], new Generator(14)).To(DType.Float64);
        using var mse = F.MseLoss(a, b);
        using var d = a - b;
        using var sq = d * d;
        using var mean = sq.Mean();
        AssertClose(mean, mse, 1e-12);
    }

    [Fact]
    public void ViewsAreReadThroughTheirStrides()
    {
        using var x = Tensor.Randn([5, 4], new Generator(21));
        using var xt = x.T; // [4, 5], not contiguous
        using var copy = xt.Contiguous();
        using var t = Tensor.FromArray(new long[] { 4, 0, 2, 1 }, 4);
        using var a = F.CrossEntropy(xt, t, Reduction.None);
        using var b = F.CrossEntropy(copy, t, Reduction.None);
        Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
        using var y = Tensor.Randn([4, 5], new Generator(22));
        using var m1 = F.SmoothL1Loss(xt, y, Reduction.None, beta: 0.5);
        using var m2 = F.SmoothL1Loss(copy, y, Reduction.None, beta: 0.5);
        Assert.Equal(m2.ToArray<float>(), m1.ToArray<float>());
    }

    static void AssertClose(Tensor expected, Tensor actual, double tol)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.ToArray<double>();
        var a = actual.ToArray<double>();
        for (int i = 0; i < e.Length; i++) Assert.True(Math.Abs(e[i] - a[i]) <= tol * (1 + Math.Abs(e[i])), $"[{i}]: expected {e[i]}, got {a[i]}");
    }
}
