using System.Text.Json;
using Ember.Cli.Models;
using Ember.NN;
using Xunit;

namespace Ember.Tests.Cli;

/// <summary>
/// The tool's models are the networks their PyTorch twins are (fixtures/make_cli_model_fixtures.py): the same
/// state-dict names and shapes, the same parameter counts, and, with every tensor filled by the same formula,
/// the same logits and the same gradients for the input and a weight, in evaluation mode and, for the ResNet
/// (no dropout), in training mode with batch statistics.
/// </summary>
public sealed class CliModelTests
{
    sealed record Pass(FixtureTensor Logits, FixtureTensor InputGrad, string Weight, FixtureTensor WeightGrad);

    sealed record Case(string Name, (string Name, int[] Shape)[] State, long Parameters, FixtureTensor Input, Pass Eval, Pass? Train);

    static Pass ParsePass(JsonElement e) => new(FixtureTensor.Parse(e.GetProperty("logits")), FixtureTensor.Parse(e.GetProperty("input_grad")),
        e.GetProperty("weight").GetString()!, FixtureTensor.Parse(e.GetProperty("weight_grad")));

    static readonly Lazy<Dictionary<string, Case>> Cases = new(() =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "fixtures", "cli_models.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => new Case(
            c.GetProperty("name").GetString()!,
            c.GetProperty("state").EnumerateArray().Select(s => (s[0].GetString()!, s[1].EnumerateArray().Select(d => d.GetInt32()).ToArray())).ToArray(),
            c.GetProperty("parameters").GetInt64(),
            FixtureTensor.Parse(c.GetProperty("input")),
            ParsePass(c.GetProperty("eval")),
            c.TryGetProperty("train", out var t) ? ParsePass(t) : null)).ToDictionary(c => c.Name);
    });

    public static TheoryData<string> Models => [.. ModelZoo.All.Select(m => m.Name)];

    [Theory]
    [MemberData(nameof(Models))]
    public void TheStateDictAndParameterCountMatchPyTorch(string name)
    {
        var c = Cases.Value[name];
        var model = ModelZoo.Get(name).Create(new Generator(0), new Generator(0));
        var state = model.StateDict();
        Assert.Equal(c.State.Select(s => s.Name).Order(), state.Keys.Order());
        foreach (var (key, shape) in c.State) Assert.Equal(shape, state[key].Shape);
        Assert.Equal(c.Parameters, model.ParameterCount);

        var summary = CliRunner.Run("summary", "--model", name);
        Assert.Contains($"Parameters: {c.Parameters:N0}", summary.Out);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void WithTheSameWeightsLogitsAndGradientsMatchPyTorch(string name)
    {
        var c = Cases.Value[name];
        var model = ModelZoo.Get(name).Create(new Generator(0), new Generator(0));
        Fill(model, c.State.Select(s => s.Name).ToList());
        var logits = Check(model, c, c.Eval, training: false);
        if (c.Train is { } train) Check(model, c, train, training: true);

        // The comparison can fail: other weights give other logits.
        model.Eval();
        using var noise = Tensor.Randn(model.StateDict()[c.State[0].Name].Shape, new Generator(5));
        using (Autograd.NoGrad()) model.StateDict()[c.State[0].Name].CopyFrom(noise);
        using var x = c.Input.ToTensor();
        using var other = model.Forward(x);
        Assert.NotEqual(logits, other.ToArray<float>());
    }

    static float[] Check(Module<Tensor, Tensor> model, Case c, Pass expected, bool training)
    {
        model.Train(training);
        model.ZeroGrad();
        using var x = c.Input.ToTensor();
        x.RequiresGrad = true;
        using var y = model.Forward(x);
        Assert.Equal(expected.Logits.Shape, y.Shape);
        var v = new float[y.NumElements];
        for (int i = 0; i < v.Length; i++) v[i] = (float)Math.Cos(0.3 * i);
        using var projection = Tensor.FromArray(v, y.Shape);
        using var product = y * projection;
        using var total = product.Sum();
        total.Backward();
        string mode = training ? "train" : "eval";
        AssertClose(expected.Logits, y.ToArray<float>(), $"{c.Name} {mode} logits");
        AssertClose(expected.InputGrad, x.Grad!.ToArray<float>(), $"{c.Name} {mode} input gradient");
        var weight = model.NamedParameters().Single(p => p.Name == expected.Weight).Parameter;
        AssertClose(expected.WeightGrad, weight.Grad!.ToArray<float>(), $"{c.Name} {mode} gradient of {expected.Weight}");
        return y.ToArray<float>();
    }

    static void AssertClose(FixtureTensor expected, float[] actual, string what)
    {
        Assert.Equal(expected.Values.Length, actual.Length);
        double scale = expected.Values.Max(Math.Abs);
        for (int i = 0; i < actual.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected.Values[i]) <= 1e-4 * scale + 1e-4 * Math.Abs(expected.Values[i]),
                $"{what}: element {i} is {actual[i]}, PyTorch gives {expected.Values[i]} (largest magnitude {scale})");
    }

    /// <summary>fill() of the fixture script: tensor k (PyTorch's order) element i from sin(0.37·i + 1.3·k).</summary>
    internal static void Fill(Module model, List<string> order)
    {
        using var _ = Autograd.NoGrad();
        foreach (var (key, t) in model.StateDict())
        {
            if (t.DType != DType.Float32) continue;
            int k = order.IndexOf(key);
            var v = new float[t.NumElements];
            double fanIn = t.Rank > 1 ? t.NumElements / t.Shape[0] : 1;
            for (int i = 0; i < v.Length; i++)
            {
                double wave = Math.Sin(0.37 * i + 1.3 * k);
                v[i] = (float)(key.EndsWith("running_var", StringComparison.Ordinal) ? 1 + 0.5 * wave * wave
                    : key.EndsWith("weight", StringComparison.Ordinal) && t.Rank > 1 ? wave * (1.7 / Math.Sqrt(fanIn))
                    : key.EndsWith("weight", StringComparison.Ordinal) ? 1 + 0.2 * wave
                    : 0.1 * wave);
            }
            using var src = Tensor.FromArray(v, t.Shape);
            t.CopyFrom(src);
        }
    }
}
