using Ember.NN;

namespace Ember.Tests.Onnx.Export;

/// <summary>
/// One module per exported layer type, with an input maker (batch size → input). Shared by the
/// round-trip tests here and by the ONNX Runtime tests, which link this file.
/// </summary>
public static class ExportCases
{
    public sealed record Case(Func<Module<Tensor, Tensor>> Module, Func<int, Tensor> Input);

    static Generator G(ulong seed) => new(seed);

    static Func<int, Tensor> Randn(int seed, params int[] rest)
        => b => Tensor.Randn([b, .. rest], new Generator((ulong)(seed * 1000 + b)));

    /// <summary>Integer tokens in [0, vocab) of shape [batch, length].</summary>
    public static Func<int, Tensor> Tokens(int seed, int length, int vocab)
        => b =>
        {
            var rng = new Random(seed * 1000 + b);
            return Tensor.FromArray(Enumerable.Range(0, b * length).Select(_ => (long)rng.Next(vocab)).ToArray(), b, length);
        };

    /// <summary>Training-mode passes so BatchNorm's running statistics are not the trivial 0 and 1.</summary>
    public static T Warm<T>(T m, Func<int, Tensor> input) where T : Module<Tensor, Tensor>
    {
        m.Train();
        using (Autograd.NoGrad())
            for (int i = 0; i < 3; i++) { using var x = input(4 + i); using var y = m.Forward(x); }
        m.Eval();
        return m;
    }

    public static readonly IReadOnlyDictionary<string, Case> Layers = new Dictionary<string, Case>
    {
        ["Linear"] = new(() => new Linear(6, 5, generator: G(1)), Randn(1, 6)),
        ["LinearNoBias"] = new(() => new Linear(6, 5, bias: false, generator: G(1)), Randn(1, 6)),
        ["Linear3d"] = new(() => new Linear(6, 5, generator: G(1)), Randn(2, 4, 6)),
        ["Conv1d"] = new(() => new Conv1d(3, 4, 3, stride: 2, padding: 1, generator: G(2)), Randn(3, 3, 11)),
        ["Conv2d"] = new(() => new Conv2d(3, 6, 3, padding: 1, generator: G(3)), Randn(4, 3, 7, 7)),
        ["Conv2dGroupsDilation"] = new(() => new Conv2d(4, 8, 3, stride: 2, padding: 2, dilation: 2, groups: 2, generator: G(4)), Randn(5, 4, 9, 9)),
        ["Conv2dRelu"] = new(() => new Sequential(new Conv2d(3, 4, 3, generator: G(3)), new ReLU()), Randn(4, 3, 6, 6)),
        ["LinearRelu3d"] = new(() => new Sequential(new Linear(6, 5, generator: G(1)), new ReLU()), Randn(2, 4, 6)),
        ["ConvTranspose2d"] = new(() => new ConvTranspose2d(4, 3, 3, stride: 2, padding: 1, outputPadding: 1, generator: G(5)), Randn(6, 4, 5, 5)),
        ["BatchNorm1d"] = new(() => Warm(new BatchNorm1d(5), Randn(7, 5)), Randn(8, 5)),
        ["BatchNorm1d3d"] = new(() => Warm(new BatchNorm1d(5), Randn(7, 5, 4)), Randn(8, 5, 4)),
        ["BatchNorm2d"] = new(() => Warm(new BatchNorm2d(3), Randn(9, 3, 4, 4)), Randn(10, 3, 4, 4)),
        ["LayerNorm"] = new(() => new LayerNorm(6), Randn(11, 3, 6)),
        ["LayerNorm2Dims"] = new(() => new LayerNorm([3, 6]), Randn(11, 3, 6)),
        ["GroupNorm"] = new(() => new GroupNorm(2, 4), Randn(12, 4, 3, 3)),
        ["Dropout"] = new(() => new Sequential(new Linear(4, 4, generator: G(6)), new Dropout(0.5)), Randn(13, 4)),
        ["Dropout2d"] = new(() => new Sequential(new Conv2d(2, 2, 1, generator: G(6)), new Dropout2d(0.5)), Randn(13, 2, 3, 3)),
        ["Embedding"] = new(() => new Embedding(10, 4), Tokens(14, 5, 10)),
        ["Identity"] = new(() => new Identity(), Randn(15, 3)),
        ["Flatten"] = new(() => new Flatten(), Randn(15, 2, 3, 4)),
        ["Unflatten"] = new(() => new Unflatten(1, 3, 4), Randn(16, 12)),
        ["MaxPool2d"] = new(() => new MaxPool2d(3, stride: 2, padding: 1), Randn(17, 2, 7, 7)),
        ["MaxPool2dCeil"] = new(() => new MaxPool2d(2, ceilMode: true), Randn(17, 2, 7, 7)),
        ["MaxPool1d"] = new(() => new MaxPool1d(2), Randn(18, 2, 8)),
        ["AvgPool2d"] = new(() => new AvgPool2d(2), Randn(19, 2, 6, 6)),
        ["AvgPool2dPadded"] = new(() => new AvgPool2d(3, stride: 2, padding: 1, countIncludePad: false), Randn(19, 2, 7, 7)),
        ["AvgPool1d"] = new(() => new AvgPool1d(3, stride: 1, padding: 1), Randn(20, 2, 8)),
        ["AdaptiveAvgPool2dGlobal"] = new(() => new AdaptiveAvgPool2d((1, 1)), Randn(21, 3, 5, 5)),
        ["AdaptiveAvgPool2d"] = new(() => new AdaptiveAvgPool2d((2, 2)), Randn(22, 3, 6, 6)),
        ["AdaptiveMaxPool2d"] = new(() => new AdaptiveMaxPool2d((1, 1)), Randn(23, 3, 4, 4)),
        // Uneven bins (7 → 3 rows overlap, 5 → 4 columns): exported as slices reduced over rows, then columns.
        ["AdaptiveAvgPool2dUneven"] = new(() => new AdaptiveAvgPool2d((3, 4)), Randn(24, 2, 7, 5)),
        ["AdaptiveMaxPool2dUneven"] = new(() => new AdaptiveMaxPool2d((3, 4)), Randn(25, 2, 7, 5)),
        ["AdaptiveAvgPool2dMixed"] = new(() => new AdaptiveAvgPool2d((5, 2)), Randn(26, 2, 6, 6)),
        ["ReLU"] = new(() => new ReLU(), Randn(24, 7)),
        ["ReLU6"] = new(() => new ReLU6(), Randn(25, 7)),
        ["SELU"] = new(() => new SELU(), Randn(26, 7)),
        ["Tanh"] = new(() => new Tanh(), Randn(27, 7)),
        ["Sigmoid"] = new(() => new Sigmoid(), Randn(28, 7)),
        ["SiLU"] = new(() => new SiLU(), Randn(29, 7)),
        ["Mish"] = new(() => new Mish(), Randn(30, 7)),
        ["Hardswish"] = new(() => new Hardswish(), Randn(31, 7)),
        ["Hardsigmoid"] = new(() => new Hardsigmoid(), Randn(32, 7)),
        ["GELU"] = new(() => new GELU(), Randn(33, 7)),
        ["GELUTanh"] = new(() => new GELU(approximateTanh: true), Randn(34, 7)),
        ["LeakyReLU"] = new(() => new LeakyReLU(0.2), Randn(35, 7)),
        ["ELU"] = new(() => new ELU(0.7), Randn(36, 7)),
        ["Softplus"] = new(() => new Softplus(), Randn(37, 7)),
        ["SoftplusBeta"] = new(() => new Softplus(2, 1), Randn(38, 7)),
        ["PReLU"] = new(() => new PReLU(3), Randn(39, 3, 4)),
        ["Softmax"] = new(() => new Softmax(-1), Randn(40, 3, 5)),
        ["LogSoftmax"] = new(() => new LogSoftmax(1), Randn(41, 5)),
        ["UpsampleNearest"] = new(() => new Upsample(2.0), Randn(42, 2, 3, 3)),
        ["UpsampleBilinear"] = new(() => new Upsample(2.0, "bilinear"), Randn(42, 2, 3, 4)),
        ["UpsampleBilinearAlignCorners"] = new(() => new Upsample(2.0, "bilinear", alignCorners: true), Randn(42, 2, 3, 4)),
        ["UpsampleLinear1d"] = new(() => new Upsample(3.0, "linear"), Randn(42, 2, 5)),
        ["PixelShuffle"] = new(() => new PixelShuffle(2), Randn(43, 8, 3, 3)),
        ["LSTM"] = new(() => new LSTM(4, 5, generator: G(7)), Randn(44, 3, 4)),
        ["LSTMBatchFirst"] = new(() => new LSTM(4, 5, batchFirst: true, generator: G(8)), Randn(45, 3, 4)),
        ["LSTMBidirectional2Layers"] = new(() => new LSTM(4, 5, numLayers: 2, bidirectional: true, generator: G(9)), Randn(46, 3, 4)),
        // With projSize the LSTM is unrolled over the sample's 3 steps; batchFirst keeps the batch on the dynamic first axis.
        ["LSTMProjection"] = new(() => new LSTM(4, 5, batchFirst: true, projSize: 3, generator: G(16)), Randn(53, 3, 4)),
        ["LSTMProjectionNoBias"] = new(() => new LSTM(4, 5, bias: false, batchFirst: true, projSize: 2, generator: G(17)), Randn(54, 4, 4)),
        ["LSTMProjectionBidirectional2Layers"] = new(() => new LSTM(4, 5, numLayers: 2, batchFirst: true, bidirectional: true, projSize: 3, generator: G(18)), Randn(55, 3, 4)),
        ["GRU"] = new(() => new GRU(4, 5, batchFirst: true, generator: G(10)), Randn(47, 3, 4)),
        ["GRUBidirectional2Layers"] = new(() => new GRU(4, 5, numLayers: 2, batchFirst: true, bidirectional: true, generator: G(11)), Randn(48, 3, 4)),
        ["RNN"] = new(() => new RNN(4, 5, batchFirst: true, generator: G(12)), Randn(49, 3, 4)),
        ["RNNRelu"] = new(() => new RNN(4, 5, nonlinearity: "relu", batchFirst: true, generator: G(13)), Randn(50, 3, 4)),
        ["MultiheadAttention"] = new(() => new MultiheadAttention(8, 2, batchFirst: true, generator: G(14)), Randn(51, 4, 8)),
        ["TransformerEncoderLayer"] = new(() => new TransformerEncoderLayer(8, 2, dimFeedforward: 16, dropout: 0.1, batchFirst: true, generator: G(15)), Randn(52, 4, 8)),
    };

    public static IEnumerable<object[]> LayerNames => Layers.Keys.Select(k => new object[] { k });

    /// <summary>A module whose forward is the given tensor code, with one Linear for parameters.</summary>
    sealed class CustomForward(Func<Tensor, Tensor> body) : Module<Tensor, Tensor>
    {
        readonly Linear fc = new(6, 6, generator: new Generator(11));
        public override Tensor Forward(Tensor x)
        {
            using var h = fc.Forward(x);
            return body(h);
        }
    }

    static readonly Dictionary<string, Func<Tensor, Tensor>> bodies = new()
    {
        ["ScalarArithmetic"] = h => { using var a = h * 2.5; using var b = 1.0 - a; using var c = b / 3f; return c + 4L; },
        ["PowNegAbsExpLog"] = h => { using var p = h.Pow(2); using var n = -p; using var e = n.Exp(); using var a = h.Abs(); using var l = (a + 1).Log(); return e + l; },
        ["SqrtRsqrtSinCos"] = h => { using var a = h.Abs(); using var s = (a + 1).Sqrt(); using var r = (a + 1).Rsqrt(); using var sn = h.Sin(); using var cs = h.Cos(); return s * r + sn - cs; },
        ["MaximumMinimumClamp"] = h => { using var z = h.Clamp(-0.5, 0.5); using var m = h.Maximum(z); return m.Minimum(z); },
        ["SumMeanKeepDim"] = h => { using var s = h.Sum(1, keepDim: true); using var m = h.Mean(-1, keepDim: true); return h - s * m; },
        ["SumAndMeanOverDims"] = h => { using var r = h.Reshape(-1, 2, 3); using var s = r.Sum([1, 2]); using var m = r.Mean(1); using var mm = m.Mean(-1); return s + mm; },
        ["VarStd"] = h => { using var r = h.Reshape(-1, 2, 3); using var v = r.Var([2]); using var s = r.Std([1, 2], keepDim: true); using var ss = s.Squeeze(2); return v * ss; },
        ["TransposePermuteMatMul"] = h => { using var r = h.Reshape(-1, 2, 3); using var t = r.Transpose(1, 2); using var p = r.Permute(0, 2, 1); using var m = r.MatMul(t); return m.MatMul(r) + p.Sum(); },
        ["CatStackNarrowSelect"] = h => { using var a = h.Narrow(1, 0, 3); using var b = h.Narrow(1, 3, 3); using var c = Tensor.Cat([b, a], 1); using var s = Tensor.Stack([a, b], 1); using var s0 = s.Select(1, 0); return c + Tensor.Cat([s0, s0], 1); },
        ["SliceWithStep"] = h => h.Slice(1, 1, 6, 2),
        ["UnsqueezeSqueezeExpand"] = h => { using var u = h.Unsqueeze(1); using var e = u.Expand(-1, 3, -1); using var s = e.Sum(1); using var u2 = s.Unsqueeze(-1); return u2.Squeeze(-1); },
        ["SoftmaxLogSoftmax"] = h => { using var s = h.Softmax(-1); using var l = h.LogSoftmax(1); return s + l; },
        ["CompareWhereMaskedFill"] = h => { using var m = h.Gt(0.1); using var w = Tensor.Where(m, h, h * 0.1); using var lt = h.Lt(-0.2); using var either = m.LogicalOr(lt); return w.MaskedFill(either, 0.25); },
        ["Pad"] = h => { using var r = h.Reshape(-1, 2, 3); return r.Pad([1, 2, 0, 1], value: 0.5); },
        ["ViewFlatten"] = h => { using var v = h.View(-1, 3, 2); using var f = v.Flatten(1); return f.Relu(); },
        ["Activations"] = h => { using var a = h.Silu(); using var b = h.Gelu(); using var c = h.Elu(); using var d = h.LeakyRelu(0.3); using var e = h.Softplus(); return a + b + c + d + e; },
    };

    /// <summary>Forward code written with tensor ops rather than layers, after one Linear.</summary>
    public static readonly IReadOnlyDictionary<string, Case> Custom =
        bodies.ToDictionary(kv => kv.Key, kv => new Case(() => new CustomForward(kv.Value), Randn(60, 6)));

    public static IEnumerable<object[]> CustomNames => Custom.Keys.Select(k => new object[] { k });
}
