using Ember.NN;
using Xunit;

namespace Ember.Tests.Recurrent;

/// <summary>Parameter names, shapes and initial ranges, the short and full forward forms, dropout between layers, and bad input.</summary>
public sealed class RecurrentLayerTests
{
    [Fact]
    public void ParametersHavePyTorchNamesShapesAndOrder()
    {
        var lstm = new LSTM(5, 6, numLayers: 2, bidirectional: true, projSize: 3);
        var expected = new List<(string, int[])>();
        foreach (var layer in new[] { 0, 1 })
            foreach (var sfx in new[] { "", "_reverse" })
            {
                int inSize = layer == 0 ? 5 : 6;
                expected.Add(($"weight_ih_l{layer}{sfx}", [24, inSize]));
                expected.Add(($"weight_hh_l{layer}{sfx}", [24, 3]));
                expected.Add(($"bias_ih_l{layer}{sfx}", [24]));
                expected.Add(($"bias_hh_l{layer}{sfx}", [24]));
                expected.Add(($"weight_hr_l{layer}{sfx}", [3, 6]));
            }
        var actual = lstm.NamedParameters().Select(p => (p.Name, p.Parameter.Shape)).ToList();
        Assert.Equal(expected.Select(e => e.Item1), actual.Select(a => a.Name));
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i].Item2, actual[i].Shape);

        var gru = new GRU(4, 5, bias: false);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0"], gru.NamedParameters().Select(p => p.Name));
        Assert.Equal([15, 4], gru.NamedParameters().First().Parameter.Shape);
        var cell = new LSTMCell(3, 2);
        Assert.Equal(["weight_ih", "weight_hh", "bias_ih", "bias_hh"], cell.NamedParameters().Select(p => p.Name));
        Assert.Equal([8, 3], cell.WeightIh.Shape);
    }

    [Fact]
    public void InitialWeightsAreUniformWithinOneOverSqrtHidden()
    {
        var rnn = new RNN(3, 16, numLayers: 2, generator: new Generator(1));
        double bound = 1 / Math.Sqrt(16);
        var all = rnn.Parameters().SelectMany(p => p.ToArray<float>()).ToArray();
        Assert.All(all, v => Assert.InRange(v, -bound, bound));
        Assert.True(all.Max() > 0.8 * bound && all.Min() < -0.8 * bound, "the values should fill the range");
        var again = new RNN(3, 16, numLayers: 2, generator: new Generator(1)).Parameters().SelectMany(p => p.ToArray<float>());
        Assert.Equal(all, again);
    }

    [Fact]
    public void ShortFormGivesTheFullFormsOutput()
    {
        var gru = new GRU(3, 4, numLayers: 2, bidirectional: true, generator: new Generator(2));
        var x = Tensor.Randn([5, 2, 3], new Generator(3));
        using var a = gru.Forward(x);
        var (b, h) = gru.Forward(x, null);
        Assert.Equal([5, 2, 8], a.Shape);
        Assert.Equal([4, 2, 4], h.Shape);
        Assert.Equal(b.ToArray<float>(), a.ToArray<float>());
        Assert.Equal("GRU(3, 4, num_layers=2, bidirectional=True)", gru.ToString());
        Assert.Equal("LSTM(3, 4, proj_size=2, batch_first=True, dropout=0.5)", new LSTM(3, 4, batchFirst: true, dropout: 0.5, projSize: 2).ToString());
    }

    [Fact]
    public void LengthsAsTensorOrArrayAgreeAndPaddingIsInert()
    {
        var lstm = new LSTM(3, 4, bidirectional: true, generator: new Generator(4));
        var x = Tensor.Randn([5, 2, 3], new Generator(5));
        var (o1, h1, c1) = lstm.Forward(x, null, null, [5, 3]);
        var (o2, h2, c2) = lstm.Forward(x, null, null, Tensor.FromArray(new long[] { 5, 3 }, 2));
        Assert.Equal(o1.ToArray<float>(), o2.ToArray<float>());
        Assert.Equal(h1.ToArray<float>(), h2.ToArray<float>());
        Assert.Equal(c1.ToArray<float>(), c2.ToArray<float>());
        // Changing the padding of sequence 1 changes nothing; its padded outputs are zero.
        var data = x.ToArray<float>();
        for (int t = 3; t < 5; t++) for (int j = 0; j < 3; j++) data[(t * 2 + 1) * 3 + j] = 100;
        var (o3, h3, _) = lstm.Forward(Tensor.FromArray(data, 5, 2, 3), null, null, [5, 3]);
        Assert.Equal(o1.ToArray<float>(), o3.ToArray<float>());
        Assert.Equal(h1.ToArray<float>(), h3.ToArray<float>());
        var o = o1.ToArray<float>();
        for (int t = 3; t < 5; t++) for (int j = 0; j < 8; j++) Assert.Equal(0f, o[(t * 2 + 1) * 8 + j]);
        // And a sequence on its own gives the same result as inside the padded batch.
        using var alone = x.Narrow(1, 1, 1).Narrow(0, 0, 3);
        var (o4, h4, _) = lstm.Forward(alone, null, null);
        var expect = o4.ToArray<float>();
        for (int t = 0; t < 3; t++) for (int j = 0; j < 8; j++) Assert.Equal(expect[t * 8 + j], o[(t * 2 + 1) * 8 + j], 6);
        var hAll = h1.ToArray<float>(); var hAlone = h4.ToArray<float>();
        for (int d = 0; d < 2; d++) for (int j = 0; j < 4; j++) Assert.Equal(hAlone[d * 4 + j], hAll[(d * 2 + 1) * 4 + j], 6);
    }

    [Fact]
    public void DropoutActsBetweenLayersOnlyInTrainingAndIsSeeded()
    {
        LSTM Make(double p) => new(3, 4, numLayers: 2, dropout: p, generator: new Generator(7));
        var x = Tensor.Randn([4, 2, 3], new Generator(8));
        var plain = Make(0).Forward(x).ToArray<float>();
        var a = Make(0.5); var b = Make(0.5);
        var ya = a.Forward(x).ToArray<float>();
        Assert.Equal(ya, b.Forward(x).ToArray<float>());
        Assert.NotEqual(plain, ya);
        a.Eval();
        Assert.Equal(plain, a.Forward(x).ToArray<float>());
        // One layer: nothing to drop between.
        var single = new GRU(3, 4, dropout: 0.9, generator: new Generator(9));
        var single0 = new GRU(3, 4, generator: new Generator(9));
        Assert.Equal(single0.Forward(x).ToArray<float>(), single.Forward(x).ToArray<float>());
    }

    [Fact]
    public void BackwardFreesWhatForwardSaved()
    {
        var lstm = new LSTM(3, 4, generator: new Generator(10));
        var x = Tensor.Randn([4, 2, 3], new Generator(11));
        var (o, h, c) = lstm.Forward(x, null, null);
        using var s = o.Sum();
        s.Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => s.Backward());
        Assert.Contains("second time", ex.Message);
    }

    [Fact]
    public void WrongInputSizeNamesTheLayerAndShape()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LSTM(5, 4).Forward(Tensor.Zeros(6, 2, 3)));
        Assert.Contains("LSTM", ex.Message);
        Assert.Contains("[6, 2, 3]", ex.Message);
        Assert.Contains("inputSize 5", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new GRU(3, 4).Forward(Tensor.Zeros(2, 2, 2, 3)));
        Assert.Contains("GRU", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new GRUCell(3, 4).Forward(Tensor.Zeros(2, 5)));
        Assert.Contains("GRUCell", ex.Message);
        Assert.Contains("[2, 5]", ex.Message);
    }

    [Fact]
    public void WrongStateShapeNamesTheLayerAndBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => new GRU(3, 4, numLayers: 2).Forward(Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 4)));
        Assert.Contains("GRU", ex.Message);
        Assert.Contains("[1, 2, 4]", ex.Message);
        Assert.Contains("[2, 2, 4]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new LSTM(3, 4, bidirectional: true).Forward(Tensor.Zeros(5, 2, 3), Tensor.Zeros(2, 2, 4), Tensor.Zeros(2, 3, 4)));
        Assert.Contains("c0", ex.Message);
        Assert.Contains("[2, 3, 4]", ex.Message);
        Assert.Contains("[2, 2, 4]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new LSTM(3, 4, projSize: 2).Forward(Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4)));
        Assert.Contains("[1, 2, 2]", ex.Message);
        ex = Assert.Throws<ArgumentException>(() => new RNNCell(3, 4).Forward(Tensor.Zeros(2, 3), Tensor.Zeros(3, 4)));
        Assert.Contains("RNNCell", ex.Message);
        Assert.Contains("[3, 4]", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
    }

    [Fact]
    public void BadLengthsAndSettingsAreRefused()
    {
        var rnn = new RNN(3, 4);
        var x = Tensor.Zeros(5, 2, 3);
        Assert.Contains("[1, 5]", Assert.Throws<ArgumentException>(() => rnn.Forward(x, null, [6, 2])).Message);
        Assert.Contains("[1, 5]", Assert.Throws<ArgumentException>(() => rnn.Forward(x, null, [0, 2])).Message);
        Assert.Contains("batch of 2", Assert.Throws<ArgumentException>(() => rnn.Forward(x, null, [5])).Message);
        Assert.Contains("Int64", Assert.Throws<ArgumentException>(() => rnn.Forward(x, null, Tensor.Ones(2))).Message);
        Assert.Contains("nonlinearity", Assert.Throws<ArgumentException>(() => new RNN(3, 4, nonlinearity: "gelu")).Message);
        Assert.Contains("projSize", Assert.Throws<ArgumentException>(() => new LSTM(3, 4, projSize: 4)).Message);
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new GRU(3, 4, dropout: 1.5)).Message);
    }

    [Fact]
    public void FunctionalCellsMatchTheCellModules()
    {
        var g = new Generator(12);
        var x = Tensor.Randn([2, 3], g);
        var h = Tensor.Randn([2, 4], g);
        var c = Tensor.Randn([2, 4], g);
        var lstm = new LSTMCell(3, 4, generator: g);
        var (h1, c1) = lstm.Forward(x, h, c);
        var (h2, c2) = Functional.LstmCell(x, h, c, lstm.WeightIh, lstm.WeightHh, lstm.BiasIh, lstm.BiasHh);
        Assert.Equal(h1.ToArray<float>(), h2.ToArray<float>());
        Assert.Equal(c1.ToArray<float>(), c2.ToArray<float>());
        var gru = new GRUCell(3, 4, generator: g);
        Assert.Equal(gru.Forward(x, h).ToArray<float>(), Functional.GruCell(x, h, gru.WeightIh, gru.WeightHh, gru.BiasIh, gru.BiasHh).ToArray<float>());
        var relu = new RNNCell(3, 4, nonlinearity: "relu", generator: g);
        var y = Functional.RnnReluCell(x, h, relu.WeightIh, relu.WeightHh, relu.BiasIh, relu.BiasHh);
        Assert.Equal(relu.Forward(x, h).ToArray<float>(), y.ToArray<float>());
        Assert.All(y.ToArray<float>(), v => Assert.True(v >= 0));
        var tanh = new RNNCell(3, 4, generator: g);
        Assert.Equal(tanh.Forward(x, h).ToArray<float>(), Functional.RnnTanhCell(x, h, tanh.WeightIh, tanh.WeightHh, tanh.BiasIh, tanh.BiasHh).ToArray<float>());
        var ex = Assert.Throws<ArgumentException>(() => Functional.GruCell(x, Tensor.Zeros(4), gru.WeightIh, gru.WeightHh));
        Assert.Contains("GruCell", ex.Message);
        Assert.Contains("[4]", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
    }
}
