using Ember.NN;
using Xunit;

namespace Ember.Tests.Recurrent;

/// <summary>
/// RNN, LSTM and GRU (and their cells) against PyTorch: outputs, final states and the gradients of a
/// weighted sum of them with respect to the input, the initial states and every parameter, in float32
/// and float64. The cases cover 1–2 layers, bidirectional, batch_first, proj_size, relu, unbatched
/// inputs, given and absent initial states and variable lengths (pack_padded_sequence).
/// </summary>
public sealed class RecurrentFixtureTests
{
    public static TheoryData<string, DType> LayerCases => Cases(RnnFixtures.Layers);
    public static TheoryData<string, DType> CellCases => Cases(RnnFixtures.Cells);

    static TheoryData<string, DType> Cases(RnnFixtures f)
    {
        var data = new TheoryData<string, DType>();
        foreach (var name in f.Settings.Keys.Order(StringComparer.Ordinal))
        {
            data.Add(name, DType.Float32);
            data.Add(name, DType.Float64);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(LayerCases))]
    public void LayerMatchesPyTorch(string name, DType dtype) => Check(RnnFixtures.Layers, name, dtype, cell: false);

    [Theory]
    [MemberData(nameof(CellCases))]
    public void CellMatchesPyTorch(string name, DType dtype) => Check(RnnFixtures.Cells, name, dtype, cell: true);

    static void Check(RnnFixtures f, string name, DType dtype, bool cell)
    {
        var module = f.Build(name);
        var inputs = new Dictionary<string, Tensor>();
        foreach (var key in new[] { "input", "h0", "c0" })
            if (f.Get(name, key) is { } t)
            {
                var x = t.To(dtype);
                x.RequiresGrad = true;
                inputs[key] = x;
            }
        var h0 = inputs.GetValueOrDefault("h0");
        var c0 = inputs.GetValueOrDefault("c0");
        var lengths = f.Get(name, "lengths");
        var outputs = new Dictionary<string, Tensor>();
        var x0 = inputs["input"];
        switch (module)
        {
            case LSTM lstm:
            {
                var (o, h, c) = lengths is null ? lstm.Forward(x0, h0, c0) : lstm.Forward(x0, h0, c0, lengths);
                outputs["out"] = o; outputs["h_n"] = h; outputs["c_n"] = c;
                break;
            }
            case GRU gru:
            {
                var (o, h) = lengths is null ? gru.Forward(x0, h0) : gru.Forward(x0, h0, lengths);
                outputs["out"] = o; outputs["h_n"] = h;
                break;
            }
            case RNN rnn:
            {
                var (o, h) = lengths is null ? rnn.Forward(x0, h0) : rnn.Forward(x0, h0, lengths);
                outputs["out"] = o; outputs["h_n"] = h;
                break;
            }
            case LSTMCell lc:
            {
                var (h, c) = lc.Forward(x0, h0, c0);
                outputs["h_n"] = h; outputs["c_n"] = c;
                break;
            }
            case GRUCell gc: outputs["h_n"] = gc.Forward(x0, h0); break;
            case RNNCell rc: outputs["h_n"] = rc.Forward(x0, h0); break;
        }

        // Float64 runs with the float32 weights promoted exactly, so only the parameter gradients (cast back
        // to float32) are held to float32 tolerance.
        double atol = dtype == DType.Float64 ? 1e-10 : 2e-5, rtol = dtype == DType.Float64 ? 1e-9 : 1e-4;
        Tensor? loss = null;
        foreach (var (key, y) in outputs)
        {
            Assert.Equal(dtype, y.DType);
            RnnFixtures.Close(f.Get(name, key)!, y, atol, rtol, $"{name} ({dtype}) {key}");
            using var w = f.Get(name, "w." + key)!.To(dtype);
            using var prod = y * w;
            var s = prod.Sum();
            if (loss is null) loss = s;
            else { var sum = loss + s; loss.Dispose(); s.Dispose(); loss = sum; }
        }
        Assert.Equal(cell ? (module is LSTMCell ? 2 : 1) : (module is LSTM ? 3 : 2), outputs.Count);
        loss!.Backward();
        foreach (var (key, x) in inputs)
            RnnFixtures.Close(f.Get(name, "grad." + key)!, x.Grad, atol, rtol, $"{name} ({dtype}) d{key}");
        int count = 0;
        foreach (var (pname, p) in module.NamedParameters())
        {
            RnnFixtures.Close(f.Get(name, "grad.sd." + pname)!, p.Grad, 2e-5, 1e-4, $"{name} ({dtype}) d{pname}");
            count++;
        }
        Assert.Equal(f.Tensors.Keys.Count(k => k.StartsWith(name + ".grad.sd.", StringComparison.Ordinal)), count);
    }
}
