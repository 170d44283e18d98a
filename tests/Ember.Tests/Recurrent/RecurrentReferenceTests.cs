using Xunit;

namespace Ember.Tests.Recurrent;

/// <summary>
/// The fused op at sizes where the GEMMs take their blocked paths (odd sizes, beyond one register tile)
/// and the gate kernels split the batch across threads,
/// against the same recurrence composed step by step from Linear, Sigmoid, Tanh and friends, with
/// gradients from the composed graph: outputs, final states and every gradient agree in Float64.
/// </summary>
public sealed class RecurrentReferenceTests
{
    const int Steps = 5, N = 37, I = 29, H = 45, P = 21;

    [Theory]
    [InlineData("lstm", false)]
    [InlineData("lstm", true)]
    [InlineData("lstm_proj", true)]
    [InlineData("gru", false)]
    [InlineData("gru", true)]
    [InlineData("rnn_relu", true)]
    public void FusedOpMatchesComposedSteps(string kind, bool reverse)
    {
        var mode = kind switch { "gru" => RnnMode.Gru, "rnn_relu" => RnnMode.RnnRelu, _ => RnnMode.Lstm };
        bool lstm = mode == RnnMode.Lstm, proj = kind == "lstm_proj";
        int p = proj ? P : H, gates = (lstm ? 4 : mode == RnnMode.Gru ? 3 : 1) * H;
        var g = new Generator(77);
        Tensor R(double scale, params int[] shape)
        {
            using var r = Tensor.Randn(shape, g);
            using var d = r.To(DType.Float64);
            var t = d * scale;
            t.RequiresGrad = true;
            return t;
        }
        var x = R(1, Steps, N, I); var h0 = R(0.5, N, p); var c0 = lstm ? R(0.5, N, H) : null;
        var wIh = R(0.2, gates, I); var wHh = R(0.2, gates, p); var bIh = R(0.1, gates); var bHh = R(0.1, gates);
        var wHr = proj ? R(0.2, p, H) : null;
        int[] lengths = Enumerable.Range(0, N).Select(n => 1 + n % Steps).ToArray();
        var leaves = new List<Tensor> { x, h0 };
        if (c0 is not null) leaves.Add(c0);
        leaves.AddRange([wIh, wHh, bIh, bHh]);
        if (wHr is not null) leaves.Add(wHr);

        using var packed = Tensor.RecurrentLayer(mode, x, h0, c0, wIh, wHh, bIh, bHh, wHr, lengths, reverse, "test");
        var (fusedOut, fusedH, fusedC) = Tensor.UnpackRecurrent(packed, Steps, N, H, p, lstm);
        var (refOut, refH, refC) = Composed(mode, x, h0, c0, wIh, wHh, bIh, bHh, wHr, lengths, reverse);

        RnnFixtures.Close(refOut, fusedOut, 1e-12, 1e-10, $"{kind} output");
        RnnFixtures.Close(refH, fusedH, 1e-12, 1e-10, $"{kind} h");
        if (lstm) RnnFixtures.Close(refC!, fusedC, 1e-12, 1e-10, $"{kind} c");

        var outputs = lstm ? new[] { fusedOut, fusedH, fusedC! } : [fusedOut, fusedH];
        var refs = lstm ? new[] { refOut, refH, refC! } : [refOut, refH];
        var weights = outputs.Select(o => Tensor.Randn(o.Shape, g).To(DType.Float64)).ToArray();
        var fusedGrads = Autograd.Grad(outputs, [.. leaves], weights);
        var refGrads = Autograd.Grad(refs, [.. leaves], weights);
        for (int i = 0; i < leaves.Count; i++)
            RnnFixtures.Close(refGrads[i]!, fusedGrads[i], 1e-11, 1e-9, $"{kind} gradient of input {i}");
    }

    /// <summary>The recurrence written with ordinary ops, one step at a time, masking ended rows.</summary>
    static (Tensor Out, Tensor H, Tensor? C) Composed(RnnMode mode, Tensor x, Tensor h0, Tensor? c0, Tensor wIh, Tensor wHh,
        Tensor bIh, Tensor bHh, Tensor? wHr, int[] lengths, bool reverse)
    {
        Tensor h = h0, c = c0!;
        var outs = new Tensor[Steps];
        for (int s = 0; s < Steps; s++)
        {
            int t = reverse ? Steps - 1 - s : s;
            var mask = Tensor.FromArray(lengths.Select(l => t < l ? 1.0 : 0.0).ToArray(), N, 1);
            var keep = 1.0 - mask;
            var xt = x.Select(0, t);
            var gi = Tensor.Linear(xt, wIh, bIh);
            var gh = Tensor.Linear(h, wHh, bHh);
            Tensor hNew;
            if (mode == RnnMode.Lstm)
            {
                var a = gi + gh;
                var i = a.Narrow(1, 0, H).Sigmoid(); var f = a.Narrow(1, H, H).Sigmoid();
                var gg = a.Narrow(1, 2 * H, H).Tanh(); var o = a.Narrow(1, 3 * H, H).Sigmoid();
                var cNew = f * c + i * gg;
                var m = o * cNew.Tanh();
                hNew = wHr is null ? m : Tensor.Linear(m, wHr);
                c = cNew * mask + c * keep;
            }
            else if (mode == RnnMode.Gru)
            {
                var r = (gi.Narrow(1, 0, H) + gh.Narrow(1, 0, H)).Sigmoid();
                var z = (gi.Narrow(1, H, H) + gh.Narrow(1, H, H)).Sigmoid();
                var n = (gi.Narrow(1, 2 * H, H) + r * gh.Narrow(1, 2 * H, H)).Tanh();
                hNew = (1.0 - z) * n + z * h;
            }
            else hNew = (gi + gh).Relu();
            outs[t] = hNew * mask;
            h = hNew * mask + h * keep;
        }
        return (Tensor.Stack(outs, 0), h, mode == RnnMode.Lstm ? c : null);
    }
}
