using Xunit;

namespace Ember.Tests.Recurrent;

/// <summary>
/// Finite-difference checks (Float64) of the fused recurrent op's backward: every input (sequence,
/// initial states, weights, biases, projection) at once, for each recurrence, both directions, with and
/// without biases, projection and variable lengths. The op's packed result holds the output sequence
/// and the final states, so every gradient path is checked.
/// </summary>
public sealed class RecurrentGradCheckTests
{
    public static TheoryData<string, bool, bool, bool, bool> Cases
    {
        get
        {
            var data = new TheoryData<string, bool, bool, bool, bool>();
            foreach (var mode in new[] { "lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_proj" })
                foreach (var reverse in new[] { false, true })
                    foreach (var lengths in new[] { false, true })
                        data.Add(mode, reverse, lengths, true, false);
            data.Add("lstm", false, false, false, false);
            data.Add("gru", true, true, false, false);
            data.Add("rnn_tanh", false, true, false, false);
            data.Add("lstm_proj", true, true, false, false);
            // One step, the cells' path.
            data.Add("lstm", false, false, true, true);
            data.Add("gru", false, false, true, true);
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FusedLayerGradientMatchesFiniteDifferences(string mode, bool reverse, bool withLengths, bool bias, bool oneStep)
    {
        var rnnMode = mode switch
        {
            "lstm" or "lstm_proj" => RnnMode.Lstm,
            "gru" => RnnMode.Gru,
            "rnn_tanh" => RnnMode.RnnTanh,
            _ => RnnMode.RnnRelu,
        };
        int steps = oneStep ? 1 : 4, n = 3, i = 3, h = 3, p = mode == "lstm_proj" ? 2 : h;
        int gates = (rnnMode switch { RnnMode.Lstm => 4, RnnMode.Gru => 3, _ => 1 }) * h;
        var g = new Generator(42);
        Tensor R(params int[] shape)
        {
            var t = Tensor.Randn(shape, g).To(DType.Float64);
            t.RequiresGrad = true;
            return t;
        }
        var inputs = new List<Tensor> { R(steps, n, i), R(n, p) };
        bool lstm = rnnMode == RnnMode.Lstm;
        if (lstm) inputs.Add(R(n, h));
        inputs.Add(R(gates, i)); inputs.Add(R(gates, p));
        if (bias) { inputs.Add(R(gates)); inputs.Add(R(gates)); }
        if (mode == "lstm_proj") inputs.Add(R(p, h));
        int[]? lengths = withLengths ? [steps, 1, steps - 1] : null;

        Autograd.GradCheck(x =>
        {
            int k = 0;
            var input = x[k++]; var h0 = x[k++]; var c0 = lstm ? x[k++] : null;
            var wIh = x[k++]; var wHh = x[k++];
            var bIh = bias ? x[k++] : null; var bHh = bias ? x[k++] : null;
            var wHr = mode == "lstm_proj" ? x[k++] : null;
            return Tensor.RecurrentLayer(rnnMode, input, h0, c0, wIh, wHh, bIh, bHh, wHr, lengths, reverse, "test");
        }, [.. inputs]);
    }

    [Fact]
    public void StackedBidirectionalLayerGradientMatchesFiniteDifferences()
    {
        // Through the module: two bidirectional layers, lengths, batch_first; inputs and states in Float64.
        var lstm = new Ember.NN.LSTM(3, 2, numLayers: 2, batchFirst: true, bidirectional: true, generator: new Generator(3));
        var g = new Generator(5);
        var x = Tensor.Randn([3, 4, 3], g).To(DType.Float64); x.RequiresGrad = true;
        var h0 = Tensor.Randn([4, 3, 2], g).To(DType.Float64); h0.RequiresGrad = true;
        var c0 = Tensor.Randn([4, 3, 2], g).To(DType.Float64); c0.RequiresGrad = true;
        Autograd.GradCheck(t =>
        {
            var (o, hn, cn) = lstm.Forward(t[0], t[1], t[2], new[] { 4, 2, 3 });
            using (o) using (hn) using (cn)
            {
                using var of = o.Reshape(-1);
                using var hf = hn.Reshape(-1);
                using var cf = cn.Reshape(-1);
                return Tensor.Cat([of, hf, cf]);
            }
        }, [x, h0, c0]);
    }
}
